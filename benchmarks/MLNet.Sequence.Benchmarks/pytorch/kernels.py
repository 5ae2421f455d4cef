"""PyTorch side of KernelProfile.cs: the same kernels, same thread count (argument 1, default 2)."""
import time, torch, sys
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
for (m, k, n) in [(3200, 64, 192), (3200, 64, 64), (3200, 128, 64), (64, 64, 192)]:
    a = torch.randn(m, k); b = torch.randn(k, n)
    for _ in range(50): a @ b
    t = time.perf_counter(); reps = 2000 if m == 64 else 300
    for _ in range(reps): a @ b
    print(f"matmul {m}x{k}x{n}: {(time.perf_counter()-t)/reps*1e6:.1f} us")
x = torch.randn(64, 4, 50, 16)
for _ in range(20): torch.softmax(x @ x.transpose(-1, -2), -1) @ x
t = time.perf_counter()
for _ in range(300): torch.softmax(x @ x.transpose(-1, -2), -1) @ x
print(f"attention 64x4x50x16: {(time.perf_counter()-t)/300*1e6:.1f} us")
g = torch.nn.GRU(8, 64, batch_first=True); xi = torch.randn(64, 50, 8)
with torch.no_grad():
    for _ in range(10): g(xi)
    t = time.perf_counter()
    for _ in range(100): g(xi)
    print(f"GRU forward 64x50x8->64: {(time.perf_counter()-t)/100*1e6:.1f} us")
    l = torch.nn.LSTM(8, 64, batch_first=True)
    for _ in range(10): l(xi)
    t = time.perf_counter()
    for _ in range(100): l(xi)
    print(f"LSTM forward 64x50x8->64: {(time.perf_counter()-t)/100*1e6:.1f} us")

# Transformer training step split into forward (with the loss), backward, and optimizer (step, zero_grad).
import math
from torch import nn
torch.manual_seed(1)
B, T, F, H = 64, 50, 8, 64
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
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(H, 4, 128, dropout=0.0, batch_first=True), 2)
        self.head = nn.Linear(H, 1)
    def forward(self, x):
        return self.head(self.encoder(self.input(x) + self.pe)[:, -1])
model = Transformer(); opt = torch.optim.Adam(model.parameters(), lr=1e-3)
xb = torch.randn(B, T, F); yb = torch.randn(B, 1)
phases = [[], [], []]
for i in range(70):
    t0 = time.perf_counter()
    loss = nn.functional.mse_loss(model(xb), yb)
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    opt.step(); opt.zero_grad()
    t3 = time.perf_counter()
    if i >= 10:
        phases[0].append(t1 - t0); phases[1].append(t2 - t1); phases[2].append(t3 - t2)
both = [f"{sorted(p)[len(p) // 2] * 1e3:.2f} (min {min(p) * 1e3:.2f}) ms" for p in phases]
print(f"Transformer phases, median (min): forward {both[0]}, backward {both[1]}, optimizer {both[2]}")
