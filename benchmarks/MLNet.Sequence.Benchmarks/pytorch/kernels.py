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
