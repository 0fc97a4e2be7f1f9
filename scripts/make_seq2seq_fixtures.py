#!/usr/bin/env python3
"""Python Simple Transformers' T5Model and Seq2SeqModel on the tiny T5 and BART fixtures, for the
Rust st-seq2seq parity tests.

Usage:
    python scripts/make_seq2seq_fixtures.py [--out fixtures]

Needs models/t5/ and models/bart/ (scripts/make_t5_fixtures.py, scripts/make_bart_fixtures.py)
and simpletransformers 0.70.8 next to the pins of scripts/requirements-fixtures.txt. Writes
seq2seq/simpletransformers.json:

  args          the arguments both models ran with (no multiprocessing, max_seq_length 32,
                eval_batch_size 8, max_length 8)
  t5.rows       prefix / input_text / target_text rows of two prefixes
  t5.eval_loss  T5Model.eval_model(rows)["eval_loss"]
  t5.predict    per decoding setting (greedy; beam search of 3 returning 2): the inputs (prefix
                already in the text, as T5Model.predict expects) and what predict returned
                (BART's beam search returns 1: its other beams tie)
  bart.rows, bart.predict  the same for Seq2SeqModel("bart", …)
  bart.eval_loss_simpletransformers  Seq2SeqModel.eval_model(rows)["eval_loss"]: Python trains
                and evaluates BART on its padding too (labels are not masked)
  bart.eval_loss  the loss with padding ignored (-100), from BartForConditionalGeneration with
                the same rows tokenised in one batch: what st-seq2seq computes

CPU, float32, one thread. Nothing is downloaded.
"""

import argparse
import json
import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pandas as pd  # noqa: E402
import torch  # noqa: E402
from simpletransformers.seq2seq import Seq2SeqModel  # noqa: E402
from simpletransformers.t5 import T5Model  # noqa: E402
from transformers import AutoTokenizer, BartForConditionalGeneration  # noqa: E402

ARGS = dict(
    use_multiprocessing=False,
    use_multiprocessing_for_evaluation=False,
    use_multiprocessed_decoding=False,
    silent=True,
    overwrite_output_dir=True,
    no_cache=True,
    reprocess_input_data=True,
    max_length=8,
    eval_batch_size=8,
    max_seq_length=32,
)
DECODING = {
    "greedy": {},
    "beam": {"num_beams": 3, "num_return_sequences": 2, "length_penalty": 1.0},
}
# The random BART repeats one token, and its second and third beams tie to 1e-5 in score (a tie
# float32 rounding decides), so only its best beam is compared.
BART_DECODING = {
    "greedy": {},
    "beam": {"num_beams": 3, "length_penalty": 1.0},
}
T5_ROWS = [
    ["translate", "The quick brown fox.", "Der schnelle Fuchs."],
    ["translate", "Hello world", "Hallo Welt"],
    ["copy", "I am a cat.", "I am a cat."],
]
BART_ROWS = [
    ["The quick brown fox jumps over the lazy dog.", "A fox jumped."],
    ["Hello world", "Hi"],
    ["It was the best of times.", "Good times."],
]


def predictions(make_model, inputs, settings):
    out = {}
    for name, decoding in settings.items():
        model = make_model(decoding)
        out[name] = {"args": decoding, "inputs": inputs, "outputs": model.predict(inputs)}
    return out


def masked_bart_loss(directory, rows):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = BartForConditionalGeneration.from_pretrained(directory, attn_implementation="eager").eval()
    inputs = tokenizer([r[0] for r in rows], padding=True, return_tensors="pt")
    labels = tokenizer([r[1] for r in rows], padding=True, return_tensors="pt")
    targets = labels.input_ids.masked_fill(labels.attention_mask == 0, -100)
    with torch.no_grad():
        return float(model(**inputs, labels=targets).loss)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    models = os.path.join(args.out, "models")
    work = tempfile.mkdtemp()

    def t5(extra):
        run = dict(ARGS, output_dir=work, **extra)
        return T5Model("t5", os.path.join(models, "t5"), args=run, use_cuda=False)

    def bart(extra):
        run = dict(ARGS, output_dir=work, **extra)
        return Seq2SeqModel(
            encoder_decoder_type="bart", encoder_decoder_name=os.path.join(models, "bart"), args=run, use_cuda=False
        )

    t5_rows = pd.DataFrame(T5_ROWS, columns=["prefix", "input_text", "target_text"])
    bart_rows = pd.DataFrame(BART_ROWS, columns=["input_text", "target_text"])
    reference = {
        "args": ARGS,
        "t5": {
            "rows": T5_ROWS,
            "eval_loss": t5({}).eval_model(t5_rows)["eval_loss"],
            "predict": predictions(t5, [f"{p}: {i}" for p, i, _ in T5_ROWS], DECODING),
        },
        "bart": {
            "rows": BART_ROWS,
            "eval_loss_simpletransformers": bart({}).eval_model(bart_rows)["eval_loss"],
            "eval_loss": masked_bart_loss(os.path.join(models, "bart"), BART_ROWS),
            "predict": predictions(bart, [r[0] for r in BART_ROWS], BART_DECODING),
        },
    }
    directory = os.path.join(args.out, "seq2seq")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "simpletransformers.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"{directory}/simpletransformers.json: written")


if __name__ == "__main__":
    main()
