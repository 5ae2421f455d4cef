"""PyTorch side of the trainer speed benchmark (run by TrainerSpeed.cs in the same session).

Same shapes and models as the C# side: batch 64, length 50, 8 features, Adam (lr 1e-3), MSE on one output,
no dropout, no clipping. LSTM/GRU: hidden 64, one layer, last step. Transformer: input Linear(8, 64),
sinusoidal positions, 2 post-norm encoder layers (d 64, 4 heads, feed-forward 128), last step.
Prints one line per model: "<model> <median steps/s>".
"""
import math
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 60
torch.set_num_threads(threads)
torch.manual_seed(1)
B, T, F, H = 64, 50, 8, 64


class Recurrent(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(F, H, batch_first=True)
        self.head = nn.Linear(H, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.input = nn.Linear(F, H)
        pe = torch.zeros(T, H)
        for p in range(T):
            for i in range(H):
                angle = p / math.pow(10000, 2.0 * (i // 2) / H)
                pe[p, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
        self.register_buffer("pe", pe)
        layer = nn.TransformerEncoderLayer(H, 4, 128, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(H, 1)

    def forward(self, x):
        h = self.encoder(self.input(x) + self.pe)
        return self.head(h[:, -1])


def bench(name, model):
    x = torch.randn(20, B, T, F)
    y = torch.randn(20, B, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    rates = []
    for rep in range(5):
        start = time.perf_counter()
        for s in range(steps):
            i = s % 20
            opt.zero_grad()
            loss = loss_fn(model(x[i]), y[i])
            loss.backward()
            opt.step()
        rates.append(steps / (time.perf_counter() - start))
    rates.sort()
    print(f"{name} {rates[len(rates) // 2]:.2f}", flush=True)


bench("lstm", Recurrent(nn.LSTM))
bench("gru", Recurrent(nn.GRU))
bench("transformer", Transformer())
