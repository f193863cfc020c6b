#!/usr/bin/python3
"""Runs the PyTorch reference's gpt workload (../shared/bench/torch_reference.py gpt [ITERS]) unchanged, and also
writes every training iteration's loss, one per line, to the file given as the first argument — for the loss-curve
picture of tools/gpt-side-by-side.sh. The reference reports only five points of its curve; this records the loss
that its model's forward returns while gradients are on (the training steps), leaving the timed loop as it is apart
from one float() per iteration.

    /usr/bin/python3 tools/gpt_reference_curve.py CURVE.txt [ITERS]
"""
import importlib.util
import os
import sys

import torch

curve_path = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
reference = os.environ.get("TORCH_REFERENCE", os.path.join(here, "../../shared/bench/torch_reference.py"))
spec = importlib.util.spec_from_file_location("torch_reference", reference)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

losses = []
forward = module.GPT.forward


def recording_forward(self, idx, targets):
    loss = forward(self, idx, targets)
    if torch.is_grad_enabled():
        losses.append(float(loss))
    return loss


module.GPT.forward = recording_forward
module.gpt(int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
with open(curve_path, "w") as f:
    f.writelines(f"{v}\n" for v in losses)
