namespace MLNet.Sequence.Transforms { internal static class Placeholder {} }
