using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Sequence.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.Sequence.Trainers
{
    /// <summary>
    /// Minibatch training with validation, early stopping (restoring the best weights), schedules (reduce-on-plateau
    /// included), clipping, per-batch progress, cancellation that can return the best model so far, and checkpoints that
    /// a later Fit with the same options resumes from.
    /// </summary>
    internal static class TrainingLoop
    {
        /// <summary>Trains a many-to-one <see cref="SequenceNetwork"/> on <see cref="SequenceRow"/> batches.</summary>
        public static TrainingHistory Run(SequenceNetwork network, TensorBatchBuilder builder, TrainingSettings s, IRowBatchSource train, IRowBatchSource? validation) =>
            Run(new SequenceTrainable(network, builder, s), s, train, validation);

        /// <summary>Trains any network the loop can drive (<see cref="ITrainable{TRow}"/>).</summary>
        public static TrainingHistory Run<TRow>(ITrainable<TRow> model, TrainingSettings s, IBatchSource<TRow> train, IBatchSource<TRow>? validation)
        {
            var network = model.Module;
            var parameters = network.parameters().Where(p => p.requires_grad).ToList();
            using var optimizer = MakeOptimizer(parameters, s);
            var st = new TrainingState { LearningRate = s.LearningRate };
            Dictionary<string, Tensor>? best = null;   // best validation weights, or (to return on cancellation) the last epoch's
            bool keepLast = validation == null && s.OnCancellation == CancellationBehavior.ReturnBestModel;
            bool stoppedEarly = false, canceled = false;
            int resumedAfter = 0;
            try
            {
                if (s.CheckpointPath != null && Checkpoint.TryLoad(s.CheckpointPath, s.Fingerprint, st, network, optimizer, ref best))
                {
                    resumedAfter = st.Epoch;
                    s.Log?.Invoke($"Resuming from checkpoint '{s.CheckpointPath}' after epoch {st.Epoch} of {s.Epochs}.");
                    if (st.Epoch > 0)
                        train.PrepareToResume();
                    if (keepLast && best == null)
                        Snapshot(network, ref best);   // the checkpoint's weights are the last finished epoch's
                    stoppedEarly = EarlyStop(s, st, validation != null) && st.Epoch < s.Epochs;
                }
                var clock = Stopwatch.StartNew();
                var before = TimeSpan.FromSeconds(st.ElapsedSeconds);   // training time of the run this one resumes
                int batchesPerEpoch = s.RowsPerEpoch > 0 ? (int)((s.RowsPerEpoch + s.BatchSize - 1) / s.BatchSize) : 0;
                for (int epoch = st.Epoch + 1; epoch <= s.Epochs && !stoppedEarly; epoch++)
                {
                    double lr = s.Schedule == LearningRateSchedule.ReduceOnPlateau ? st.LearningRate : LearningRateAt(s, epoch);
                    foreach (var g in optimizer.ParamGroups)
                        g.LearningRate = lr;
                    var epochClock = Stopwatch.StartNew();
                    network.train();
                    double lossSum = 0;
                    long rows = 0;
                    int batchIndex = 0;
                    try
                    {
                        using var batches = train.Batches(epoch).GetEnumerator();
                        while (true)
                        {
                            ThrowIfCanceled(s, epoch, batchIndex);
                            using var scope = torch.NewDisposeScope();
                            if (!batches.MoveNext())
                                break;
                            optimizer.zero_grad();
                            var loss = model.Loss(batches.Current, out int count);
                            double value = loss.item<float>();
                            if (!double.IsFinite(value))
                                throw new InvalidOperationException(
                                    $"Training diverged: the loss became {value} at epoch {epoch}, batch {batchIndex + 1}. Lower LearningRate, set GradientClipNorm, or check the inputs for extreme values.");
                            using (ThreadCount.Keep())   // a network region may run its gradients on one thread (BackwardThreads)
                                BackwardErrors.Backward(loss);
                            if (s.GradientClipNorm > 0)
                                nn.utils.clip_grad_norm_(parameters, s.GradientClipNorm);
                            optimizer.step();
                            lossSum += value * count;
                            rows += count;
                            batchIndex++;
                            if (s.BatchReport != null)
                                s.BatchReport(Progress(s, before, resumedAfter + 1, epoch, batchIndex, batchesPerEpoch, lossSum / rows, lr, clock.Elapsed));
                        }
                    }
                    catch (OperationCanceledException) when (s.OnCancellation == CancellationBehavior.ReturnBestModel && st.Epoch > 0)
                    {
                        canceled = true;
                        break;
                    }
                    if (rows == 0)
                        throw new InvalidOperationException("The training data has no rows.");
                    double seconds = epochClock.Elapsed.TotalSeconds;
                    double? validLoss = null, metric = null;
                    bool isBest = false;
                    if (validation != null)
                    {
                        (validLoss, metric) = Evaluate(model, validation);
                        if (validLoss < st.BestLoss - 1e-7)
                        {
                            st.BestLoss = validLoss.Value;
                            st.BestEpoch = epoch;
                            st.SinceBest = 0;
                            isBest = true;
                            Snapshot(network, ref best);
                        }
                        else
                            st.SinceBest++;
                    }
                    else
                    {
                        st.BestEpoch = epoch;
                        if (keepLast)
                            Snapshot(network, ref best);
                    }
                    var elapsed = before + clock.Elapsed;
                    var report = new EpochReport(epoch, s.Epochs, lossSum / rows, validLoss, metric, model.MetricName, lr, rows / Math.Max(seconds, 1e-9), elapsed, isBest);
                    st.Reports.Add(report);
                    st.Epoch = epoch;
                    if (s.Schedule == LearningRateSchedule.ReduceOnPlateau)
                        Plateau(s, st, validLoss ?? report.TrainingLoss);
                    stoppedEarly = EarlyStop(s, st, validation != null) && epoch < s.Epochs;
                    // The checkpoint is written before the epoch is reported, so a reported epoch is never lost.
                    if (s.CheckpointPath != null && !stoppedEarly && epoch < s.Epochs && epoch % s.CheckpointEveryEpochs == 0)
                    {
                        st.ElapsedSeconds = elapsed.TotalSeconds;
                        Checkpoint.Save(s.CheckpointPath, s.Fingerprint, st, network, optimizer, best);
                    }
                    s.Report?.Invoke(report);
                }
                if (best != null && (validation != null || canceled))
                    Restore(network, best);
            }
            finally
            {
                if (best != null)
                    foreach (var t in best.Values)
                        t.Dispose();
            }
            // A finished training needs its checkpoint no more (a canceled one keeps it, to resume later).
            if (s.CheckpointPath != null && !canceled && File.Exists(s.CheckpointPath))
                File.Delete(s.CheckpointPath);
            network.eval();
            return new TrainingHistory(st.Reports, st.BestEpoch, stoppedEarly, canceled, resumedAfter);
        }

        private static void ThrowIfCanceled(TrainingSettings s, int epoch, int batch)
        {
            if (s.CancellationToken.IsCancellationRequested || (s.IsCanceled?.Invoke() ?? false))
                throw new OperationCanceledException($"Training was canceled at epoch {epoch}, before batch {batch + 1}.", s.CancellationToken);
        }

        private static bool EarlyStop(TrainingSettings s, TrainingState st, bool validating) =>
            validating && s.EarlyStoppingPatience > 0 && st.SinceBest >= s.EarlyStoppingPatience;

        /// <summary>Reduce-on-plateau: after <c>PlateauPatience</c> epochs without a relative improvement of 1e-4, multiply the rate by <c>PlateauFactor</c>.</summary>
        private static void Plateau(TrainingSettings s, TrainingState st, double monitored)
        {
            if (monitored < st.PlateauBest * (1 - 1e-4))
            {
                st.PlateauBest = monitored;
                st.PlateauWait = 0;
                return;
            }
            if (++st.PlateauWait >= s.PlateauPatience)
            {
                st.LearningRate = Math.Max(s.MinimumLearningRate, st.LearningRate * s.PlateauFactor);
                st.PlateauWait = 0;
            }
        }

        private static TrainingProgress Progress(TrainingSettings s, TimeSpan before, int firstEpoch, int epoch, int batch, int batchesPerEpoch, double loss, double lr, TimeSpan elapsed)
        {
            TimeSpan? remaining = null;
            if (batchesPerEpoch > 0)
            {
                // The pace of this run (a resumed run counts from its resume), times the batches left in all planned epochs.
                long done = (long)(epoch - firstEpoch) * batchesPerEpoch + batch;
                long left = (long)(s.Epochs - epoch) * batchesPerEpoch + Math.Max(0, batchesPerEpoch - batch);
                if (done > 0)
                    remaining = TimeSpan.FromTicks((long)(elapsed.Ticks / (double)done * left));
            }
            return new TrainingProgress(epoch, s.Epochs, batch, batchesPerEpoch, loss, lr, before + elapsed, remaining);
        }

        internal static double LearningRateAt(TrainingSettings s, int epoch) => s.Schedule switch
        {
            LearningRateSchedule.Cosine => s.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / Math.Max(1, s.Epochs))),
            LearningRateSchedule.Step => s.LearningRate * Math.Pow(s.StepFactor, (epoch - 1) / Math.Max(1, s.StepEpochs)),
            _ => s.LearningRate,
        };

        private static OptimizerHelper MakeOptimizer(IEnumerable<Parameter> parameters, TrainingSettings s) => s.Optimizer switch
        {
            SequenceOptimizer.AdamW => optim.AdamW(parameters, s.LearningRate, weight_decay: s.WeightDecay),
            SequenceOptimizer.Sgd => optim.SGD(parameters, s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay),
            _ => optim.Adam(parameters, s.LearningRate, weight_decay: s.WeightDecay),
        };

        /// <summary>The training loss of a batch.</summary>
        internal static Tensor Loss(Tensor output, Tensor targets, TrainingSettings s)
        {
            switch (s.Task)
            {
                case SequenceTask.BinaryClassification:
                {
                    var logits = output.squeeze(-1);
                    if (s.ClassWeights is { } w)
                    {
                        // Per-row weights: w[1] for positives, w[0] for negatives.
                        var weights = targets.Times(w[1] - w[0]).Plus(w[0]);
                        return nn.functional.binary_cross_entropy_with_logits(logits, targets, weights);
                    }
                    return nn.functional.binary_cross_entropy_with_logits(logits, targets);
                }
                case SequenceTask.MulticlassClassification:
                {
                    using var weight = s.ClassWeights != null ? torch.tensor(s.ClassWeights, device: output.device) : null;
                    return nn.functional.cross_entropy(output, targets, weight);
                }
                case SequenceTask.QuantileRegression:
                    return Pinball(output, targets, s.Quantiles!);
                default:
                    return s.RegressionLoss switch
                    {
                        RegressionLoss.Huber => nn.functional.huber_loss(output, targets),
                        RegressionLoss.AbsoluteError => nn.functional.l1_loss(output, targets),
                        _ => nn.functional.mse_loss(output, targets),
                    };
            }
        }

        /// <summary>
        /// Pinball (quantile) loss: output [B, O·Q] with quantiles innermost, targets [B, O];
        /// mean over rows, outputs and quantiles of max(q·e, (q−1)·e) with e = y − ŷ.
        /// </summary>
        internal static Tensor Pinball(Tensor output, Tensor targets, float[] quantiles)
        {
            long q = quantiles.Length;
            var pred = output.view(output.shape[0], -1, q);
            var err = targets.unsqueeze(-1) - pred;
            using var qs = torch.tensor(quantiles, device: output.device).view(1, 1, q);
            return torch.maximum(qs * err, qs.Minus(1L) * err).mean();
        }

        /// <summary>Mean loss and metric over a data set, in eval mode without gradients.</summary>
        internal static (double Loss, double Metric) Evaluate<TRow>(ITrainable<TRow> model, IBatchSource<TRow> data)
        {
            model.Module.eval();
            using var _ = torch.no_grad();
            double lossSum = 0, metricSum = 0;
            long rows = 0, items = 0;
            foreach (var rowsOfBatch in data.Batches(0))
            {
                using var scope = torch.NewDisposeScope();
                var score = model.ValidationScore(rowsOfBatch);
                lossSum += score.LossSum;
                rows += score.Rows;
                metricSum += score.MetricSum;
                items += score.Items;
            }
            if (rows == 0)
                throw new InvalidOperationException("The validation data has no rows.");
            return (lossSum / rows, model.Metric(metricSum, items));
        }

        private static void Snapshot(nn.Module network, ref Dictionary<string, Tensor>? best)
        {
            using var _ = torch.no_grad();
            best ??= new Dictionary<string, Tensor>();
            foreach (var (name, t) in network.state_dict())
            {
                if (best.TryGetValue(name, out var copy))
                    copy.copy_(t);
                else
                {
                    using var detached = t.detach();
                    best[name] = detached.clone().DetachFromDisposeScope();
                }
            }
        }

        private static void Restore(nn.Module network, Dictionary<string, Tensor> best)
        {
            using var _ = torch.no_grad();
            foreach (var (name, t) in network.state_dict())
                t.copy_(best[name]);
        }
    }

    /// <summary>The loop's view of a many-to-one <see cref="SequenceNetwork"/>: its batches, loss and validation metric.</summary>
    internal sealed class SequenceTrainable : ITrainable<SequenceRow>
    {
        private readonly SequenceNetwork _network;
        private readonly TensorBatchBuilder _builder;
        private readonly TrainingSettings _s;

        public SequenceTrainable(SequenceNetwork network, TensorBatchBuilder builder, TrainingSettings s)
        {
            _network = network;
            _builder = builder;
            _s = s;
        }

        public nn.Module Module => _network;

        public string MetricName => _s.Task switch
        {
            SequenceTask.Regression => "rmse",
            SequenceTask.QuantileRegression => "pinball",
            _ => "accuracy",
        };

        public Tensor Loss(IReadOnlyList<SequenceRow> rows, out int count)
        {
            var batch = _builder.Build(rows, withTargets: true);
            count = batch.Count;
            var inputs = _s.Masking != null && batch.Inputs.dtype == ScalarType.Float32 ? _s.Masking.Apply(batch.Inputs, batch.Mask) : batch.Inputs;
            return TrainingLoop.Loss(_network.Forward(inputs, batch.Mask, batch.Statics), batch.Targets!, _s);
        }

        public BatchScore ValidationScore(IReadOnlyList<SequenceRow> rows)
        {
            var batch = _builder.Build(rows, withTargets: true);
            var output = _network.Forward(batch.Inputs, batch.Mask, batch.Statics);
            double loss = TrainingLoop.Loss(output, batch.Targets!, _s).item<float>() * batch.Count;
            return _s.Task switch
            {
                SequenceTask.BinaryClassification => new(loss, batch.Count, output.squeeze(-1).GreaterThan(0).to(ScalarType.Float32).eq(batch.Targets!).sum().item<long>(), batch.Count),
                SequenceTask.MulticlassClassification => new(loss, batch.Count, output.argmax(1).eq(batch.Targets!).sum().item<long>(), batch.Count),
                SequenceTask.QuantileRegression => new(loss, batch.Count, TrainingLoop.Pinball(output, batch.Targets!, _s.Quantiles!).item<float>() * batch.Count, batch.Count),
                _ => new(loss, batch.Count, (output - batch.Targets!).Power(2).sum().item<float>(), batch.Targets!.numel()),
            };
        }

        public double Metric(double sum, long items) => _s.Task switch
        {
            SequenceTask.Regression => Math.Sqrt(sum / items) * _s.TargetScale,
            SequenceTask.QuantileRegression => sum / items * _s.TargetScale,
            _ => sum / items,
        };
    }
}
