"""The MLM-head fixtures (`<out>/<arch>/`) and the ELECTRA discriminator fixture
(`<out>/electra-discriminator/`): model directory + reference.json."""

import json
import os
import shutil

import make_fixtures as mf
import torch
from transformers import AutoTokenizer

from . import common as c

MLM_LOSS = "HF MaskedLM loss: CrossEntropy(logits.view(-1, vocab), labels.view(-1)), ignore_index -100, mean over the labelled positions; eval mode"
DISC_LOSS = (
    "HF ElectraForPreTraining loss: BCEWithLogits(logits, labels.float()) over the positions with "
    "attention_mask == 1 (mean); eval mode"
)


def manual_loss(kind, logits, labels, attention_mask):
    """The loss HF computes, written out independently as a cross-check."""
    if kind == "mlm":
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    active = attention_mask == 1
    return torch.nn.functional.binary_cross_entropy_with_logits(logits[active], labels[active].float())


def corrupt(kind, tok, enc, positions, generator):
    """Model input, labels and a description of what was done at the chosen positions."""
    if kind == "mlm":
        inputs, labels, kinds = c.mask_rows(tok, enc["input_ids"], positions, generator)
        return inputs, labels, {"masked_positions": positions, "corruption": kinds}
    # Discriminator: every chosen position is replaced by a different random token (label 1);
    # every other position, padding included, has label 0.
    inputs = enc["input_ids"].clone()
    labels = torch.zeros_like(inputs)
    for row, pos in enumerate(positions):
        for p in pos:
            inputs[row, p] = c.random_token(tok, enc["input_ids"][row, p].item(), generator)
            labels[row, p] = 1
    return inputs, labels, {"replaced_positions": positions}


def forward(model, enc, inputs, labels=None):
    kwargs = c.model_inputs(enc)
    kwargs["input_ids"] = inputs
    return model(**kwargs, labels=labels)


def build_variant(out_dir, models_dir, index, variant):
    name, base_arch, kind = variant
    base_dir = os.path.join(models_dir, base_arch)
    directory = os.path.join(out_dir, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(base_dir, "reference.json"), encoding="utf-8") as f:
        base_ref = json.load(f)
    texts = base_ref["batch"]["texts"]

    # Model + tokenizer files, then always work with the copies reloaded from disk.
    model = c.build_model(name, base_dir, kind, c.HEAD_SEED + index)
    model.save_pretrained(directory, safe_serialization=True)
    for fname in c.cf.TOKENIZER_FILES:
        if os.path.isfile(os.path.join(base_dir, fname)):
            shutil.copy(os.path.join(base_dir, fname), os.path.join(directory, fname))
    tok = AutoTokenizer.from_pretrained(directory)
    model = c.load_model(directory, kind)
    arch_name = type(model).__name__

    enc = c.encode(tok, texts)
    c.check_encoder(name, model, base_dir, base_ref, enc)
    saved = c.saved_tensor_names(directory)
    tied = c.tied_map(model, saved)
    head = c.head_param_names(model)
    if kind == "mlm":
        # The decoder must really share the word-embedding tensor after the reload.
        out_emb, in_emb = model.get_output_embeddings(), model.get_input_embeddings()
        assert out_emb.weight is in_emb.weight, f"{name}: decoder weight not tied after reload"

    generator = torch.Generator().manual_seed(c.MASK_SEED + index)
    positions = c.choose_positions(tok, enc["input_ids"], enc["attention_mask"], generator)
    inputs, labels, corruption = corrupt(kind, tok, enc, positions, generator)

    with torch.no_grad():
        out = forward(model, enc, inputs, labels)
    expected = manual_loss(kind, out.logits, labels, enc["attention_mask"])
    assert torch.allclose(out.loss, expected, rtol=1e-6, atol=1e-7), f"{name}: HF loss {out.loss} != manual {expected}"

    model.zero_grad(set_to_none=True)
    forward(model, enc, inputs, labels).loss.backward()
    params = dict(model.named_parameters(remove_duplicate=False))
    prefix = model.base_model_prefix + "."
    grad_names = head + [prefix + n for n in c.ENCODER_GRADS[base_arch]]
    grads = {n: mf.tensor_json(params[n].grad) for n in grad_names}
    model.zero_grad(set_to_none=True)

    reference = {
        "model_type": model.config.model_type,
        "architecture": arch_name,
        "base_fixture": f"models/{base_arch}",
        "head_params": head,
        "named_parameters_outside_base": c.raw_head_names(model),
        "tied": tied,
        "tied_weights_keys": getattr(type(model), "_tied_weights_keys", None),
        "saved_tensor_names": saved,
        "config": c.config_record(model.config, tok),
        "head": c.head_record(name if kind == "discriminator" else base_arch, model),
        "batch": {
            "texts": texts,
            "original_input_ids": base_ref["batch"]["input_ids"],
            **c.ids_record(enc),
            "input_ids": inputs.tolist(),
            **corruption,
            "labels": labels.tolist(),
            "logits": mf.tensor_json(out.logits),
            "loss": c.f32(out.loss.item()),
        },
        "grads": {"loss_definition": MLM_LOSS if kind == "mlm" else DISC_LOSS, "params": grads},
    }
    mf.write_json(os.path.join(directory, "reference.json"), reference)
    print(f"  built {name:22s} {arch_name} loss {reference['batch']['loss']}, positions {positions}")
    print(f"      head {head}")
    print(f"      tied {tied}")
    return reference
