"""A small CNN for 32x32 grey character cells. The per-image standardisation is inside the network so
that the ONNX model takes the cell as it is cut (grey in [0, 1], any paper tone or contrast)."""
import torch
from torch import nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CharNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.features = nn.Sequential(
            block(1, 32), nn.MaxPool2d(2),                     # 16
            block(32, 64), nn.MaxPool2d(2),                    # 8
            block(64, 128), block(128, 128), nn.MaxPool2d(2),  # 4
            block(128, 256), block(256, 256), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(256, classes))

    def forward(self, x):
        mean = x.mean(dim=(2, 3), keepdim=True)
        std = x.std(dim=(2, 3), keepdim=True)
        return self.head(self.features((x - mean) / (std + 0.05)))
