using System;

namespace MLNet.Sequence.Trainers
{
    /// <summary>What a network is trained to do.</summary>
    public enum SequenceTask
    {
        /// <summary>Two classes; one logit, binary cross-entropy.</summary>
        BinaryClassification,
        /// <summary>K classes; K logits, cross-entropy.</summary>
        MulticlassClassification,
        /// <summary>One or more real values; mean squared error (or Huber, L1).</summary>
        Regression,
        /// <summary>Quantiles of one or more real values; pinball loss.</summary>
        QuantileRegression,
    }

    /// <summary>The optimizer.</summary>
    public enum SequenceOptimizer
    {
        /// <summary>Adam (Kingma and Ba, 2015); weight decay added to the gradient (L2).</summary>
        Adam,
        /// <summary>AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).</summary>
        AdamW,
        /// <summary>Stochastic gradient descent with momentum.</summary>
        Sgd,
    }

    /// <summary>How the learning rate changes over epochs.</summary>
    public enum LearningRateSchedule
    {
        /// <summary>The same rate every epoch.</summary>
        Constant,
        /// <summary>Cosine annealing from the rate to zero over the epochs.</summary>
        Cosine,
        /// <summary>Multiplied by a factor every few epochs.</summary>
        Step,
        /// <summary>
        /// Multiplied by a factor (default 0.5) when the validation loss (the training loss without validation data) has not
        /// improved for a number of epochs (default 2), down to a minimum rate; as Keras' ReduceLROnPlateau.
        /// </summary>
        ReduceOnPlateau,
    }

    /// <summary>What a trainer does when training is canceled.</summary>
    public enum CancellationBehavior
    {
        /// <summary>Throw <see cref="OperationCanceledException"/> (the default).</summary>
        Throw,
        /// <summary>
        /// Return the best model so far: the best validation epoch's weights, or the last finished epoch's without
        /// validation. Throws as <see cref="Throw"/> does when no epoch has finished.
        /// </summary>
        ReturnBestModel,
    }

    /// <summary>The regression loss.</summary>
    public enum RegressionLoss
    {
        /// <summary>Mean squared error.</summary>
        SquaredError,
        /// <summary>Huber loss (delta 1 on standardized targets): squared near zero, absolute beyond.</summary>
        Huber,
        /// <summary>Mean absolute error.</summary>
        AbsoluteError,
    }
}
