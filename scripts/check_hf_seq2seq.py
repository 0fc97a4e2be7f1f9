#!/usr/bin/env python3
"""Check that an encoder-decoder directory saved by the Rust side loads in Python
`transformers` (`AutoModelForSeq2SeqLM`: `T5ForConditionalGeneration`,
`BartForConditionalGeneration`, `MBartForConditionalGeneration`, `MarianMTModel`,
`EncoderDecoderModel`) and gives PyTorch's reference logits and loss.

    python scripts/check_hf_seq2seq.py SAVED_DIR fixtures/models/<fixture>/reference.json

Prints the class, whether the head is tied (and for T5 whether the decoder output is scaled),
and the max abs difference of the logits; exits non-zero above 1e-5.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModelForSeq2SeqLM  # noqa: E402


def main() -> int:
    saved, reference_path = sys.argv[1], sys.argv[2]
    reference = json.load(open(reference_path))
    batch = reference["batch"]
    model = AutoModelForSeq2SeqLM.from_pretrained(saved, attn_implementation="eager").eval()
    # EncoderDecoderModel's head is its decoder's; the others hold `lm_head` themselves.
    shared = model.get_decoder().get_input_embeddings()
    tied = model.get_output_embeddings().weight.data_ptr() == shared.weight.data_ptr()
    with torch.no_grad():
        out = model(
            input_ids=torch.tensor(batch["input_ids"]),
            attention_mask=torch.tensor(batch["attention_mask"]),
            labels=torch.tensor(batch["labels"]),
        )
    expected = torch.tensor(reference["logits"]["data"]).reshape(reference["logits"]["shape"])
    worst = (out.logits - expected).abs().max().item()
    scaled = getattr(model.config, "scale_decoder_outputs", None)
    print(f"{type(model).__name__}: tied head: {tied}, scaled output: {scaled}")
    print(f"logits max abs diff {worst:.2e}, loss {out.loss.item():.6f} (reference {reference['loss']:.6f})")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
