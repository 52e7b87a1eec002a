/** A face box in image pixels: top-left corner and size. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const area = (b: FaceBox): number => Math.max(0, b.width) * Math.max(0, b.height);

export const intersectionArea = (a: FaceBox, b: FaceBox): number => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
};

/** Intersection over union. */
export const iou = (a: FaceBox, b: FaceBox): number => {
  const inter = intersectionArea(a, b);
  return inter === 0 ? 0 : inter / (area(a) + area(b) - inter);
};

/** Intersection over the smaller box: 1 when one box lies inside the other. */
export const overlapOfSmaller = (a: FaceBox, b: FaceBox): number => {
  const inter = intersectionArea(a, b);
  return inter === 0 ? 0 : inter / Math.min(area(a), area(b));
};
