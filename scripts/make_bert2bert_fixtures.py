#!/usr/bin/env python3
"""A tiny random BERT2BERT (`EncoderDecoderModel` of two BERTs) and PyTorch's outputs and
gradients, for the Rust encoder-decoder parity tests.

Usage:
    python scripts/make_bert2bert_fixtures.py [--out fixtures]

Writes models/bert2bert/ (transformers 5.23.0, torch 2.15.0): an `EncoderDecoderModel` built as
`from_encoder_decoder_pretrained` builds it from two copies of models/bert/ (hidden 32, 4 heads,
intermediate 37, 2 layers, vocabulary 554, its WordPiece tokenizer copied): the encoder a
`BertModel` with its pooler, the decoder a `BertLMHeadModel` with causal self-attention and
cross-attention; every parameter N(0, 0.2) (seeded); `decoder_start_token_id` [CLS] = 2,
`pad_token_id` 0, `eos_token_id` [SEP] = 3. Saved with save_pretrained and reloaded; and
reference.json:

  texts           the input and target texts the batch is made of
  batch           encoder input_ids / attention_mask (right padding), labels (the targets
                  tokenised, -100 on padding), decoder_input_ids (shift_tokens_right from [CLS])
  encoder_hidden  the encoder's last hidden state
  logits, loss    for the labels (CrossEntropyLoss, ignore_index -100)
  grads           full gradients of selected parameters (HF names, PyTorch layouts)
  table_grads     the decoder's word embeddings (tied to its LM head): gradient rows at the ids
                  the batch uses, and |sum|
  generate        `model.generate` on the inputs, greedy and beam search (as for T5)

CPU, float32, eval mode, eager attention, one thread. Nothing is downloaded.
"""

import argparse
import json
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from make_t5_fixtures import generate_cases, table_grad, tensor_json, write_readme_section  # noqa: E402
from transformers import AutoTokenizer, EncoderDecoderModel  # noqa: E402
from transformers.models.encoder_decoder.modeling_encoder_decoder import shift_tokens_right  # noqa: E402

README_SECTION = """## models/bert2bert/

Made by `scripts/make_bert2bert_fixtures.py` (its docstring lists every field): a tiny random
`EncoderDecoderModel` of two models/bert/-shaped BERTs (hidden 32, 4 heads, 2 layers,
vocabulary 554), the decoder a `BertLMHeadModel` with causal self-attention and
cross-attention, every parameter N(0, 0.2), with models/bert/'s WordPiece tokenizer; decoder
start [CLS], end [SEP]. `reference.json`: texts and their right-padded batch with labels and
decoder inputs, the encoder's last hidden state, the logits, the loss and gradients, and
`generate` outputs, from the reloaded model.
"""

SEED = 21
INIT_STD = 0.2
CLS, SEP, PAD = 2, 3, 0
TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json"]
INPUT_TEXTS = ["The quick brown fox jumps over the lazy dog.", "Hello world"]
TARGET_TEXTS = ["A fox jumped.", "Hi"]
GRAD_PARAMS = [
    "encoder.embeddings.word_embeddings.weight",
    "encoder.encoder.layer.0.attention.self.query.weight",
    "encoder.encoder.layer.1.output.dense.weight",
    "encoder.encoder.layer.1.output.LayerNorm.bias",
    "decoder.bert.embeddings.position_embeddings.weight",
    "decoder.bert.embeddings.LayerNorm.weight",
    "decoder.bert.encoder.layer.0.attention.self.value.weight",
    "decoder.bert.encoder.layer.0.crossattention.self.value.weight",
    # Not the cross-attention query bias: the random weights saturate its softmax, so its
    # gradient (~6e-7) is float32 rounding noise on both sides.
    "decoder.bert.encoder.layer.1.crossattention.self.value.bias",
    "decoder.bert.encoder.layer.1.crossattention.output.dense.weight",
    "decoder.bert.encoder.layer.1.crossattention.output.LayerNorm.weight",
    "decoder.bert.encoder.layer.1.intermediate.dense.weight",
    "decoder.cls.predictions.transform.dense.weight",
    "decoder.cls.predictions.transform.LayerNorm.bias",
    "decoder.cls.predictions.bias",
]


def build(out_dir):
    bert = os.path.join(out_dir, "models", "bert")
    model = EncoderDecoderModel.from_encoder_decoder_pretrained(bert, bert)
    model.config.decoder_start_token_id = CLS
    model.config.pad_token_id = PAD
    model.config.eos_token_id = SEP
    for part in (model.config.encoder, model.config.decoder):
        part.hidden_dropout_prob = 0.0
        part.attention_probs_dropout_prob = 0.0
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
    directory = os.path.join(out_dir, "models", "bert2bert")
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(bert, name), directory)
    reloaded = EncoderDecoderModel.from_pretrained(directory, attn_implementation="eager").eval()
    return reloaded, directory


def batch(directory):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    inputs = tokenizer(INPUT_TEXTS, padding=True, return_tensors="pt")
    labels = tokenizer(TARGET_TEXTS, padding=True, return_tensors="pt")
    targets = labels.input_ids.masked_fill(labels.attention_mask == 0, -100)
    return inputs.input_ids, inputs.attention_mask, targets


def reference(model, input_ids, attention_mask, labels):
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    ids = sorted(set(labels.clamp(min=0).reshape(-1).tolist()) | {CLS})
    table = params["decoder.bert.embeddings.word_embeddings.weight"].grad
    return {
        "texts": {"input_text": INPUT_TEXTS, "target_text": TARGET_TEXTS},
        "batch": {
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "labels": labels.tolist(),
            "decoder_input_ids": shift_tokens_right(labels, PAD, CLS).tolist(),
        },
        "encoder_hidden": tensor_json(out.encoder_last_hidden_state),
        "logits": tensor_json(out.logits),
        "loss": float(out.loss.item()),
        "grads": {name: tensor_json(params[name].grad) for name in GRAD_PARAMS},
        "table_grads": {"decoder.bert.embeddings.word_embeddings.weight": table_grad(table, ids)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, directory = build(args.out)
    input_ids, attention_mask, labels = batch(directory)
    generated = generate_cases(model, input_ids, attention_mask, SEP, PAD, {"decoder_start_token_id": CLS})
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(dict(reference(model, input_ids, attention_mask, labels), generate=generated), f)
        f.write("\n")
    print(f"{directory}: written")
    write_readme_section(args.out, README_SECTION)


if __name__ == "__main__":
    main()
