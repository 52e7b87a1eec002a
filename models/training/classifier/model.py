"""The artefact classifier: a small CNN over a 128x128 RGB image, two classes [mm, hf]."""
import torch
from torch import nn

INPUT_SIZE = 128
LABELS = ("mm", "hf")


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ArtefactNet(nn.Module):
    """Strided conv blocks (128 -> 8 px), then global average and max pooling: the average sees overall
    colour and texture, the max sees the strongest local evidence (a face, a column of characters)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _block(3, 16, 2),  # 64
            _block(16, 24, 2),  # 32
            _block(24, 48, 2),  # 16
            _block(48, 48, 1),
            _block(48, 96, 2),  # 8
            _block(96, 128, 1),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
        return self.head(pooled)


class Exported(nn.Module):
    """What goes into the ONNX file: normalisation and softmax included, so the runtime feeds
    RGB values scaled to [0, 1] and reads probabilities in LABELS order."""

    def __init__(self, net: ArtefactNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net((x - 0.5) / 0.5), dim=1)
