/**
 * The 80 COCO classes as detectors trained on COCO name them (in class order), and the everyday word a
 * person would search for each: the detector's name is kept too (both are stored and searchable).
 */
export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorbike', 'aeroplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
  'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
  'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'sofa', 'pottedplant', 'bed', 'diningtable', 'toilet', 'tvmonitor',
  'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase',
  'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;

/** Detector names that are not what people type (Pascal VOC spellings, compound names). */
const FRIENDLY: Record<string, string> = {
  motorbike: 'motorcycle', aeroplane: 'airplane', sofa: 'couch', pottedplant: 'plant', diningtable: 'table', tvmonitor: 'television',
  'cell phone': 'phone', 'sports ball': 'ball', 'hair drier': 'hair dryer', 'teddy bear': 'teddy bear', 'wine glass': 'glass',
  'tennis racket': 'racket', 'baseball glove': 'glove', 'baseball bat': 'bat', 'fire hydrant': 'hydrant', 'traffic light': 'traffic light',
  donut: 'donut', skis: 'skis',
};

export function friendlyLabel(raw: string): string {
  return FRIENDLY[raw] ?? raw;
}
