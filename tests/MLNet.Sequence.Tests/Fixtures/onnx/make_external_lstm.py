"""An external ONNX sequence model for the import tests: a PyTorch LSTM sentiment classifier, trained here and
exported with torch.onnx, as a PyTorch user outside this project would make one.

Run from the repository root with Debian's packages (apt-get install python3-torch python3-onnx; PyTorch 1.13.1,
onnx 1.12):

    /usr/bin/python3 tests/MLNet.Sequence.Tests/Fixtures/onnx/make_external_lstm.py

It writes, next to itself:
- external-lstm.onnx: inputs input_ids (int64 [batch, seq]) and attention_mask (bool [batch, seq]), output logits
  (float [batch, 1]); batch and seq are dynamic (opset 17).
- vocab.txt: the model's tokens for ids 2, 3, ... one per line (0 is padding, 1 unknown).
- expected.tsv: for the first 50 test sentences, the row number in the data file, the padded ids and PyTorch's logit.

Tokenisation (what ML.NET's NormalizeText without punctuation + TokenizeIntoWords give): lower case, punctuation
characters removed, split on white space.
"""
import os
import random
import unicodedata

import torch
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "data", "text", "uci_sentiment_labelled_sentences.tsv")
LENGTH = 40

torch.manual_seed(1)
random.seed(1)


def tokens(text):
    kept = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith("P"))
    return kept.split()


rows = []
with open(DATA, encoding="utf-8") as f:
    next(f)
    for number, line in enumerate(f):
        source, label, text = line.rstrip("\n").split("\t")
        rows.append((number, int(label), text))

order = list(range(len(rows)))
random.shuffle(order)
cut = int(len(rows) * 0.8)
train = [rows[i] for i in order[:cut]]
test = sorted((rows[i] for i in order[cut:]), key=lambda r: r[0])

counts = {}
for _, _, text in train:
    for t in tokens(text):
        counts[t] = counts.get(t, 0) + 1
vocabulary = sorted((t for t, c in counts.items() if c >= 2), key=lambda t: (-counts[t], t))
ids = {t: i + 2 for i, t in enumerate(vocabulary)}


def encode(text):
    sequence = [ids.get(t, 1) for t in tokens(text)][-LENGTH:]
    mask = [True] * len(sequence) + [False] * (LENGTH - len(sequence))
    return sequence + [0] * (LENGTH - len(sequence)), mask


class SentimentLstm(torch.nn.Module):
    def __init__(self, vocabulary_size):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocabulary_size, 32, padding_idx=0)
        self.lstm = torch.nn.LSTM(32, 32, batch_first=True)
        self.head = torch.nn.Linear(32, 1)

    def forward(self, input_ids, attention_mask):
        h, _ = self.lstm(self.embedding(input_ids))
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled)


model = SentimentLstm(len(vocabulary) + 2)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
x = torch.tensor([encode(t)[0] for _, _, t in train])
m = torch.tensor([encode(t)[1] for _, _, t in train])
y = torch.tensor([[float(l)] for _, l, _ in train])
for epoch in range(8):
    permutation = torch.randperm(len(train))
    for start in range(0, len(train), 32):
        batch = permutation[start:start + 32]
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch], m[batch]), y[batch])
        loss.backward()
        optimizer.step()
model.eval()

tx = torch.tensor([encode(t)[0] for _, _, t in test])
tm = torch.tensor([encode(t)[1] for _, _, t in test])
with torch.no_grad():
    logits = model(tx, tm)
accuracy = ((logits[:, 0] > 0).long() == torch.tensor([l for _, l, _ in test])).float().mean().item()
print(f"test accuracy {accuracy:.3f} on {len(test)} sentences")

torch.onnx.export(model, (tx[:2], tm[:2]), os.path.join(HERE, "external-lstm.onnx"), opset_version=17,
                  input_names=["input_ids", "attention_mask"], output_names=["logits"],
                  dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                "logits": {0: "batch"}})
onnx.checker.check_model(onnx.load(os.path.join(HERE, "external-lstm.onnx")))

with open(os.path.join(HERE, "vocab.txt"), "w", encoding="utf-8") as f:
    for t in vocabulary:
        f.write(t + "\n")
with open(os.path.join(HERE, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("row\tids\tlogit\n")
    for (number, _, _), sequence, logit in zip(test[:50], tx[:50].tolist(), logits[:50, 0].tolist()):
        f.write(f"{number}\t{' '.join(map(str, sequence))}\t{logit:.9g}\n")
print(f"vocabulary {len(vocabulary)} tokens; wrote external-lstm.onnx, vocab.txt, expected.tsv")
