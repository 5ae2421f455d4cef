using System;
using System.Collections.Generic;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// A hand-written backward function runs under libtorch's native autograd engine, where an escaping .NET exception
/// would end the test process; BackwardErrors brings it back to the caller of backward() as an ordinary exception.
/// </summary>
[TestClass]
public sealed class BackwardErrorsTests
{
    [TestMethod]
    public void ExceptionInACustomBackwardReachesTheCallerAndTheNextPassIsClean()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(3, requires_grad: true);

        FailingDouble.Fail = true;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => BackwardErrors.Backward(FailingDouble.apply(x).sum()));
        StringAssert.Contains(e.Message, "The backward pass of the test function failed: made to fail at step 2");
        Assert.IsInstanceOfType<ArgumentException>(e.InnerException);

        // Nothing is left pending: the next pass (same thread) runs and its gradient is right.
        FailingDouble.Fail = false;
        BackwardErrors.Backward(FailingDouble.apply(x).sum());
        CollectionAssert.AreEqual(new[] { 2f, 2f, 2f }, x.grad!.data<float>().ToArray());
    }

    private sealed class FailingDouble : torch.autograd.SingleTensorFunction<FailingDouble>
    {
        public static bool Fail { get; set; }

        public override string Name => "Tests.FailingDouble";

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]) * 2;

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput) =>
            BackwardErrors.Guard("the test function", 1, () =>
            {
                if (Fail)
                    throw new ArgumentException("made to fail at step 2");
                return new List<Tensor> { gradOutput * 2 };
            });
    }
}
