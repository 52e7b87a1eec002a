"""Where the training and evaluation material comes from, and how it is split.

Fonts and photographs are split so that the evaluation set never sees a font or a source photo
used in training. The three real samples (test/fixtures/samples) are never used here.
"""
import os
from dataclasses import dataclass

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# Kai (regular-script) fonts from Debian; the held-out one renders the evaluation pages.
KAI_FONTS = {
    "train": [
        ("/usr/share/fonts/truetype/arphic/ukai.ttc", 2),  # AR PL UKai TW
        ("/usr/share/fonts/truetype/arphic-bkai00mp/bkai00mp.ttf", 0),
        ("/usr/share/fonts/truetype/cns11643/TW-Kai-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0),
        ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf", 0),
    ],
    "eval": [("/usr/share/fonts/truetype/cwtex/cwkai.ttf", 0)],
}
# Banners in event photos are mostly set in sans-serif type.
SANS_FONTS = [("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0)]
LATIN_FONT = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0)


@dataclass(frozen=True)
class Photo:
    path: str
    people: bool  # used as figures in synthetic group photos
    credit: str


def _deb(work: str, package: str, rel: str) -> str:
    return os.path.join(work, "debs", package, rel)


SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
OPENCV = "usr/share/doc/opencv-doc/examples"
PLASMA = "usr/share/wallpapers"
MATE = "usr/share/backgrounds/mate/nature"
FACEAPI = os.path.join(REPO, "node_modules/@vladmandic/face-api/demo")

_C_OPENCV = "opencv-doc sample data (Apache-2.0/BSD-3-Clause, OpenCV)"
_C_PLASMA = "plasma-workspace-wallpapers (licence in each wallpaper's metadata.json)"
_C_MATE = "mate-backgrounds (GPL-2+)"
_C_FACEAPI = "@vladmandic/face-api demo photo (MIT, photos by the author)"


def photos(work: str, split: str) -> list[Photo]:
    """Real photographs for the HF class. Near-duplicate pairs (basketball1/2, leuvenA/B) stay on one side."""
    o = lambda rel, people=False: Photo(_deb(work, "opencv-doc", f"{OPENCV}/{rel}"), people, _C_OPENCV)
    pl = lambda name, size="2560x1600.jpg": Photo(_deb(work, "plasma-workspace-wallpapers", f"{PLASMA}/{name}/contents/images/{size}"), False, _C_PLASMA)
    m = lambda name: Photo(_deb(work, "mate-backgrounds", f"{MATE}/{name}.jpg"), False, _C_MATE)
    f = lambda n: Photo(os.path.join(FACEAPI, f"sample{n}.jpg"), True, _C_FACEAPI)
    sk = lambda name, people=False, credit="scikit-image data (CC0 / public domain)": Photo(os.path.join(SKIMAGE, name), people, credit)
    if split == "train":
        return [
            f(1), f(2), f(3), f(4),
            sk("astronaut.png", True, "scikit-image astronaut (NASA, public domain)"),
            sk("rocket.jpg", False, "scikit-image rocket (SpaceX, public domain)"),
            sk("motorcycle_left.png"), sk("moon.png"),
            Photo(_deb(work, "python-matplotlib-data", "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"), True,
                  "matplotlib sample data, Grace Hopper (US Navy, public domain)"),
            o("text/scenetext01.jpg"), o("text/scenetext03.jpg"), o("text/scenetext04.jpg"), o("text/scenetext05.jpg"),
            *[o(f"text/scenetext_segmented_word0{i}.jpg") for i in range(1, 6)],
            o("data/baboon.jpg"), o("data/ela_original.jpg"), o("data/ela_modified.jpg"), o("data/aloeL.jpg"), o("data/aloeR.jpg"),
            o("data/board.jpg"), o("data/chicky_512.png"), o("data/licenseplate_motion.jpg"), o("data/rubberwhale1.png"),
            o("data/rubberwhale2.png"), o("data/graf1.png"), o("data/graf3.png"), o("data/aero1.jpg"), o("data/aero3.jpg"),
            o("data/apple.jpg"), o("data/building.jpg"), o("data/box_in_scene.png"), o("hfs/data/000.jpg"),
            o("alphamat/input_images/plant.jpg"),
            pl("FallenLeaf"), pl("DarkestHour"), pl("Grey"), pl("Kite"), pl("ColdRipple"), pl("ColorfulCups"), pl("BytheWater"),
            pl("OneStandsOut", "1920x1080.jpg"), pl("summer_1am", "1920x1080.jpg"),
            m("Garden"), m("Dune"), m("Wood"), m("Aqua"), m("TwoWings"), m("GreenMeadow"), m("RainDrops"), m("Blinds"),
            m("FreshFlower"), m("YellowFlower"),
        ]
    if split == "eval":
        return [
            f(5), f(6),
            o("data/messi5.jpg", True), o("data/basketball1.png", True), o("data/leuvenA.jpg"),
            o("text/scenetext02.jpg"), o("text/scenetext06.jpg"), o("data/fruits.jpg"), o("data/squirrel_cls.jpg"),
            sk("coffee.png"), sk("camera.png", True), sk("chelsea.png"),
            pl("EveningGlow"), pl("Path", "1920x1080.jpg"),
            m("LadyBird"), m("Storm"),
        ]
    raise ValueError(split)


def check(work: str) -> None:
    """Fails early, naming what is missing, instead of training on less than the recipe says."""
    missing = [p for split in ("train", "eval") for p in (x.path for x in photos(work, split)) if not os.path.exists(p)]
    missing += [p for group in KAI_FONTS.values() for p, _ in group if not os.path.exists(p)]
    missing += [p for p, _ in SANS_FONTS + [LATIN_FONT] if not os.path.exists(p)]
    if missing:
        raise SystemExit("missing inputs (run prepare.sh):\n  " + "\n  ".join(missing))
