using System;
using Microsoft.ML;
using MLNet.Sequence;
using MLNet.Sequence.Tests.Support;
using MLNet.Sequence.Trainers;

// Usage: MLNet.Sequence.TrainingChild <data folder> <checkpoint path>
// Trains the checkpoint recipe, printing "epoch N" after each epoch, until it finishes or is killed.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MLNet.Sequence.TrainingChild <data folder> <checkpoint path>");
    return 2;
}
var ml = new MLContext(1);
var (train, _) = CheckpointRecipe.Data(args[0]);
var data = ml.Data.LoadFromEnumerable(train);
var prepared = CheckpointRecipe.Preparation(ml).Fit(data).Transform(data);
var progress = new Progress(e => { Console.WriteLine($"epoch {e.Epoch}"); Console.Out.Flush(); });
using var model = ml.BinaryClassification.Trainers.SequenceLstm(CheckpointRecipe.Options(args[1], progress)).Fit(prepared);
Console.WriteLine("done");
return 0;

internal sealed class Progress : IProgress<EpochReport>
{
    private readonly Action<EpochReport> _report;
    public Progress(Action<EpochReport> report) => _report = report;
    public void Report(EpochReport value) => _report(value);
}
