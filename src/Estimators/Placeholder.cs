namespace MLNet.Sequence { internal static class Placeholder {} }
