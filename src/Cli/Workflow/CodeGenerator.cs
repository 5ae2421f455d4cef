using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Data;

namespace MLNet.Sequence.Cli.Workflow;

/// <summary>
/// codegen: a small compilable C# project next to the model, as Model Builder writes one: <c>ModelInput</c> and
/// <c>ModelOutput</c> with the config's columns, a static model class with <c>Predict</c> (or <c>Forecast</c>) that
/// loads the saved zip, and a <c>Program</c> that predicts one example from the data and prints it.
/// </summary>
internal static class CodeGenerator
{
    /// <summary>Writes the project; returns its folder.</summary>
    /// <param name="config">The config whose model (output folder's model.zip) the code loads.</param>
    /// <param name="folder">The project folder; default the output folder's "code".</param>
    /// <param name="librarySource">
    /// A clone of this repository to reference by project instead of the MLNet.Sequence package (for trying unreleased
    /// builds, and the tests); null to reference the package.
    /// </param>
    public static string Write(WorkflowConfig config, string? folder, string? librarySource = null)
    {
        var model = Path.Combine(config.OutputDirectory, TabularWorkflow.ModelFileName);
        if (!File.Exists(model))
            throw new DataException("model", $"no model at '{model}'; run 'mlnet-sequence train' (or sweep) with this config first.");
        var dir = Path.GetFullPath(folder ?? Path.Combine(config.OutputDirectory, "code"));
        Directory.CreateDirectory(dir);
        var name = Identifier(Path.GetFileName(config.OutputDirectory.TrimEnd(Path.DirectorySeparatorChar)).Replace("-output", "", StringComparison.Ordinal));
        File.Copy(model, Path.Combine(dir, "model.zip"), overwrite: true);
        Write(dir, name + "Model.csproj", Project(librarySource));
        // Empty MSBuild files stop the search for a parent folder's (a repository's) build settings.
        Write(dir, "Directory.Build.props", "<Project />\n");
        Write(dir, "Directory.Build.targets", "<Project />\n");
        Write(dir, "Directory.Packages.props", "<Project />\n");
        if (config.TaskKind == WorkflowTask.Forecasting)
        {
            Write(dir, name + "Model.cs", ForecastClass(config, name));
            Write(dir, "Program.cs", ForecastProgram(config, name));
        }
        else if (config.TaskKind == WorkflowTask.Anomaly)
        {
            Write(dir, "ModelInput.cs", ModelInput(config, name));
            Write(dir, "ModelOutput.cs", AnomalyOutput(name));
            Write(dir, name + "Model.cs", AnomalyClass(config, name));
            Write(dir, "Program.cs", AnomalyProgram(config, name));
        }
        else if (config.TaskKind == WorkflowTask.Generation)
        {
            Write(dir, name + "Model.cs", GenerationClass(config, name));
            Write(dir, "Program.cs", GenerationProgram(config, name));
        }
        else if (config.TaskKind == WorkflowTask.Recommendation)
        {
            Write(dir, "ModelInput.cs", RecommendationInput(name));
            Write(dir, "ModelOutput.cs", RecommendationOutput(name));
            Write(dir, name + "Model.cs", PredictClass(config, name));
            Write(dir, "Program.cs", RecommendationProgram(config, name));
        }
        else if (config.TaskKind == WorkflowTask.SequenceToSequence)
        {
            Write(dir, "ModelInput.cs", Seq2SeqInput(config, name));
            Write(dir, "ModelOutput.cs", Seq2SeqOutput(name));
            Write(dir, name + "Model.cs", PredictClass(config, name));
            Write(dir, "Program.cs", Seq2SeqProgram(config, name));
        }
        else if (config.TaskKind == WorkflowTask.Tagging)
        {
            Write(dir, "ModelInput.cs", TaggingInput(name));
            Write(dir, "ModelOutput.cs", TaggingOutput(name));
            Write(dir, name + "Model.cs", PredictClass(config, name));
            Write(dir, "Program.cs", TaggingProgram(config, name));
        }
        else
        {
            Write(dir, "ModelInput.cs", ModelInput(config, name));
            Write(dir, "ModelOutput.cs", ModelOutput(config, name));
            Write(dir, name + "Model.cs", PredictClass(config, name));
            Write(dir, "Program.cs", PredictProgram(config, name));
        }
        return dir;
    }

    private static void Write(string dir, string file, string text) => SavedModel.WriteAtomically(Path.Combine(dir, file), text);

    private static string Metadata(string key) =>
        typeof(CodeGenerator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;

    private static string Project(string? librarySource)
    {
        var library = librarySource == null
            ? $"    <PackageReference Include=\"MLNet.Sequence\" Version=\"{Metadata("LibraryVersion")}\" />\n"
            : $"    <ProjectReference Include=\"{Path.GetFullPath(Path.Combine(librarySource, "src", "Estimators", "MLNet.Sequence.csproj"))}\" />\n";
        var import = librarySource == null ? ""
            : $"  <!-- Referenced by project, the library's build targets (the libtorch shim fix) are imported by hand; the package brings them itself. -->\n" +
              $"  <Import Project=\"{Path.GetFullPath(Path.Combine(librarySource, "src", "Trainers", "buildTransitive", "MLNet.Sequence.Trainers.targets"))}\" />\n";
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- Generated by mlnet-sequence codegen. -->
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
            {library}    <!-- The application picks the libtorch backend: the CPU build (Linux x64 only, or every OS). -->
                <PackageReference Include="TorchSharp" Version="{Metadata("TorchSharpVersion")}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="{Metadata("LibTorchVersion")}" Condition="$([MSBuild]::IsOSPlatform('Linux')) And '$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)' == 'X64'" />
                <PackageReference Include="TorchSharp-cpu" Version="{Metadata("TorchSharpVersion")}" Condition="!($([MSBuild]::IsOSPlatform('Linux')) And '$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)' == 'X64')" />
              </ItemGroup>
              <ItemGroup>
                <None Include="model.zip" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            {import}</Project>

            """;
    }

    /// <summary>A C# identifier from a column or file name (letters and digits kept, PascalCase).</summary>
    internal static string Identifier(string name)
    {
        var parts = name.Split(c => !char.IsLetterOrDigit(c)).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]);
        var id = string.Concat(parts);
        if (id.Length == 0 || char.IsDigit(id[0]))
            id = "Column" + id;
        return id;
    }

    private static IEnumerable<string> Split(this string s, Func<char, bool> separator)
    {
        var current = new StringBuilder();
        foreach (var c in s)
        {
            if (separator(c))
            {
                yield return current.ToString();
                current.Clear();
            }
            else
                current.Append(c);
        }
        yield return current.ToString();
    }

    private static string CSharpType(string type) => type switch { "number" => "float", "boolean" => "bool", _ => "string" };

    private static string Literal(string value, string type) => type switch
    {
        "number" => float.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "f",
        "boolean" => DelimitedFile.TryBoolean(value, out bool b) && b ? "true" : "false",
        _ => TrainerOptionsBinder.CSharp(value),
    };

    private static string ModelInput(WorkflowConfig c, string ns)
    {
        var sb = new StringBuilder();
        sb.Append("// Generated by mlnet-sequence codegen: the columns the model reads, as in the training data.\n");
        sb.Append("using Microsoft.ML.Data;\n\n");
        sb.Append($"namespace {ns};\n\n");
        sb.Append("/// <summary>One row of input: the training data's columns (the label may be left at its default when predicting).</summary>\n");
        sb.Append("public sealed class ModelInput\n{\n");
        var cols = c.Data.Columns!;
        for (int i = 0; i < cols.Count; i++)
        {
            var type = CSharpType(cols[i].Type);
            var init = type == "string" ? " = \"\";" : "";
            sb.Append($"    [LoadColumn({i}), ColumnName({TrainerOptionsBinder.CSharp(cols[i].Name)})]\n");
            sb.Append($"    public {type} {Identifier(cols[i].Name)} {{ get; set; }}{init}\n");
            if (i < cols.Count - 1)
                sb.Append('\n');
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string ModelOutput(WorkflowConfig c, string ns)
    {
        var body = c.TaskKind switch
        {
            WorkflowTask.Binary => """
                    /// <summary>The predicted class.</summary>
                    [ColumnName("PredictedLabel")]
                    public bool PredictedLabel { get; set; }

                    /// <summary>The probability of the true class.</summary>
                    public float Probability { get; set; }

                    /// <summary>The raw score (logit).</summary>
                    public float Score { get; set; }
                """,
            WorkflowTask.Multiclass => """
                    /// <summary>The predicted class, as in the label column.</summary>
                    [ColumnName("PredictedLabel")]
                    public string PredictedLabel { get; set; } = "";

                    /// <summary>The probability of each class, in the order of the label's values in training.</summary>
                    public float[] Score { get; set; } = System.Array.Empty<float>();
                """,
            _ => """
                    /// <summary>The predicted value.</summary>
                    public float Score { get; set; }
                """,
        };
        return $$"""
            // Generated by mlnet-sequence codegen: what the model predicts.
            using Microsoft.ML.Data;

            namespace {{ns}};

            /// <summary>The model's prediction for one row.</summary>
            public sealed class ModelOutput
            {
            {{body}}
            }

            """;
    }

    private static string AnomalyOutput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: what the detector writes for each point.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>The detector's verdict on one point.</summary>
        public sealed class ModelOutput
        {
            /// <summary>[Alert (0 or 1), RawScore, PValue], as ML.NET's DetectIidSpike writes it.</summary>
            [ColumnName("{{AnomalyWorkflow.PredictionColumn}}")]
            public double[] Prediction { get; set; } = System.Array.Empty<double>();

            /// <summary>The anomaly score in [0, 1].</summary>
            [ColumnName("{{AnomalyWorkflow.ScoreColumn}}")]
            public double AnomalyScore { get; set; }

            /// <summary>True when the point is an alert.</summary>
            public bool IsAlert => Prediction.Length > 0 && Prediction[0] > 0;
        }

        """;

    private static string AnomalyClass(WorkflowConfig c, string ns) => $$"""
        // Generated by mlnet-sequence codegen: loads the saved detector once and scores points.
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using Microsoft.ML;
        using MLNet.Sequence;

        namespace {{ns}};

        /// <summary>The trained detector ({{c.Trainer?.Family ?? "the sweep's best"}}; value column '{{c.Anomaly!.ValueColumn}}').</summary>
        public static class {{ns}}Model
        {
            /// <summary>The model file, next to the program.</summary>
            public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "model.zip");

            private static readonly MLContext Ml = new();
            private static readonly Lazy<ITransformer> Detector = new(() => Ml.Model.LoadSequenceModel(ModelPath, out _), isThreadSafe: true);

            /// <summary>
            /// Scores <paramref name="points"/> in time order, each series continuing from where the detector's training
            /// data (its probationary period) ended; the detector itself never changes, so every call starts from there.
            /// </summary>
            public static IReadOnlyList<ModelOutput> Detect(IEnumerable<ModelInput> points) =>
                Ml.Data.CreateEnumerable<ModelOutput>(Detector.Value.Transform(Ml.Data.LoadFromEnumerable(points)), reuseRowObject: false).ToList();

            /// <summary>Reads a data file with the training data's columns.</summary>
            public static List<ModelInput> Read(string path) =>
                Ml.Data.CreateEnumerable<ModelInput>(Ml.Data.LoadFromTextFile<ModelInput>(path, separatorChar: {{TrainerOptionsBinder.CSharp(c.Data.SeparatorChar.ToString())}}[0], hasHeader: {{(c.Data.HasHeader ? "true" : "false")}}), reuseRowObject: false).ToList();
        }

        """;

    private static string AnomalyProgram(WorkflowConfig c, string ns)
    {
        int probation = ProbationOf(c);
        return $$"""
            // Generated by mlnet-sequence codegen: scores the training data file after the detector's probationary period.
            using System;
            using System.Globalization;
            using System.Linq;
            using {{ns}};

            var path = args.Length > 0 ? args[0] : {{TrainerOptionsBinder.CSharp(c.Resolve(c.Data.Path))}};
            var points = {{ns}}Model.Read(path).Skip({{probation}}).ToList();   // the first {{probation}} points taught the detector
            var outputs = {{ns}}Model.Detect(points);
            Console.WriteLine($"Points={outputs.Count} Alerts={outputs.Count(o => o.IsAlert)}");
            int first = outputs.ToList().FindIndex(o => o.IsAlert);
            if (first >= 0)
                Console.WriteLine($"FirstAlert={first} AnomalyScore={outputs[first].AnomalyScore.ToString("R", CultureInfo.InvariantCulture)}");

            """;
    }

    /// <summary>The probationary period train used (the saved detector's).</summary>
    private static int ProbationOf(WorkflowConfig c)
    {
        var ml = new Microsoft.ML.MLContext();
        var model = ml.Model.LoadSequenceModel(Path.Combine(c.OutputDirectory, TabularWorkflow.ModelFileName), out _);
        using var owned = model as IDisposable;
        return AnomalyWorkflow.Detector(model).ProbationaryPeriod;
    }

    private static string GenerationClass(WorkflowConfig c, string ns)
    {
        var g = c.Generation!;
        bool characters = g.Tokens == "characters";
        return $$"""
            // Generated by mlnet-sequence codegen: loads the saved language model once and continues texts.
            using System;
            using System.IO;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using MLNet.Sequence;

            namespace {{ns}};

            /// <summary>The trained language model ({{Describe(c)}}).</summary>
            public static class {{ns}}Model
            {
                /// <summary>The model file, next to the program.</summary>
                public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "model.zip");

                private static readonly Lazy<NextElementTransformer> Model = new(Load, isThreadSafe: true);

                private static NextElementTransformer Load()
                {
                    // The zip holds the language model, alone or as the one step of a chain.
                    var model = new MLContext().Model.LoadSequenceModel(ModelPath, out _);
                    return model as NextElementTransformer ?? ((TransformerChain<ITransformer>)model).OfType<NextElementTransformer>().Single();
                }

                /// <summary>The sampling settings of the config's generation section (a fixed seed: the same prompt gives the same text).</summary>
                public static GenerationOptions Sampling { get; } = new()
                {
                    MaximumLength = {{g.MaximumLength}}, Temperature = {{TrainerOptionsBinder.CSharp(g.Temperature)}}, TopK = {{g.TopK}}, TopP = {{TrainerOptionsBinder.CSharp(g.TopP)}},
                    StopElement = {{TrainerOptionsBinder.CSharp(g.StopElement)}}, Seed = {{c.Seed}},
                };

                /// <summary>What the model writes after <paramref name="prompt"/> ({{(characters ? "character by character" : "word by word")}}).</summary>
                public static string Generate(string prompt, GenerationOptions? sampling = null)
                {
                    var tokens = {{(characters ? "prompt.Select(ch => ch.ToString()).ToArray()" : "prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries)")}};
                    return string.Join({{TrainerOptionsBinder.CSharp(characters ? "" : " ")}}, Model.Value.Generate(tokens, sampling ?? Sampling));
                }
            }

            """;
    }

    private static string GenerationProgram(WorkflowConfig c, string ns)
    {
        var prompt = c.Generation!.Prompts?.FirstOrDefault()
            ?? new GenerationWorkflow(c, SilentObserver.Instance).Read(c.Resolve(c.Data.Path), "data.path").Texts.First(t => t.Trim().Length > 0).Trim().Split(' ')[0] + " ";
        return $$"""
            // Generated by mlnet-sequence codegen: continues {{(c.Generation!.Prompts is { Count: > 0 } ? "the config's first prompt" : "the data file's first word")}}.
            using System;
            using {{ns}};

            var prompt = {{TrainerOptionsBinder.CSharp(prompt)}};
            Console.WriteLine("Generated=" + {{ns}}Model.Generate(prompt));

            """;
    }

    private static string RecommendationInput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: the history the next-item model reads.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>One user's item ids, oldest first.</summary>
        public sealed class ModelInput
        {
            [ColumnName("{{RecommendationWorkflow.HistoryColumn}}")]
            public string[] History { get; set; } = System.Array.Empty<string>();
        }

        """;

    private static string RecommendationOutput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: the items the model recommends.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>The recommendations for one history: items the history does not hold, best first.</summary>
        public sealed class ModelOutput
        {
            /// <summary>The recommended item ids, best first.</summary>
            [ColumnName("{{RecommendationWorkflow.RecommendationsColumn}}")]
            public string[] Recommendations { get; set; } = System.Array.Empty<string>();

            /// <summary>The probability of each recommended item being the next one.</summary>
            public float[] Score { get; set; } = System.Array.Empty<float>();
        }

        """;

    private static string RecommendationProgram(WorkflowConfig c, string ns)
    {
        var user = new RecommendationWorkflow(c, SilentObserver.Instance).ReadHistories(c.Resolve(c.Data.Path), "data.path")[0];
        var history = user.Items.TakeLast(20).ToArray();
        return $$"""
            // Generated by mlnet-sequence codegen: recommends for the first user of the training data file (their latest {{history.Length}} items).
            using System;
            using {{ns}};

            var input = new ModelInput { History = new[] { {{string.Join(", ", history.Select(TrainerOptionsBinder.CSharp))}} } };
            var output = {{ns}}Model.Predict(input);
            Console.WriteLine("Recommendations=" + string.Join(" ", output.Recommendations));

            """;
    }

    private static string Seq2SeqInput(WorkflowConfig c, string ns) => $$"""
        // Generated by mlnet-sequence codegen: the source the encoder-decoder reads.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>One source text; the model splits it into {{c.Seq2Seq!.SourceTokens}}.</summary>
        public sealed class ModelInput
        {
            [ColumnName({{TrainerOptionsBinder.CSharp(c.Input)}})]
            public string {{Identifier(c.Input!)}} { get; set; } = "";
        }

        """;

    private static string Seq2SeqOutput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: the target the model predicts.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>The predicted target of one source.</summary>
        public sealed class ModelOutput
        {
            /// <summary>The predicted target tokens, in order.</summary>
            [ColumnName("{{Seq2SeqWorkflow.PredictionColumn}}")]
            public string[] PredictedTokens { get; set; } = System.Array.Empty<string>();

            /// <summary>The natural log of the prediction's probability under the model.</summary>
            public float Score { get; set; }
        }

        """;

    private static string Seq2SeqProgram(WorkflowConfig c, string ns)
    {
        var first = new Seq2SeqWorkflow(c, SilentObserver.Instance).FirstSource();
        string separator = c.Seq2Seq!.TargetTokens == "characters" ? "" : " ";
        return $$"""
            // Generated by mlnet-sequence codegen: predicts the target of the first source of the training data file.
            using System;
            using System.Globalization;
            using {{ns}};

            var input = new ModelInput { {{Identifier(c.Input!)}} = {{TrainerOptionsBinder.CSharp(first)}} };
            var output = {{ns}}Model.Predict(input);
            Console.WriteLine("Prediction=" + string.Join({{TrainerOptionsBinder.CSharp(separator)}}, output.PredictedTokens) + " LogProbability=" + output.Score.ToString("R", CultureInfo.InvariantCulture));

            """;
    }

    private static string TaggingInput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: the sentence the tagger reads.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>One sentence: its tokens, in order.</summary>
        public sealed class ModelInput
        {
            [ColumnName("Tokens")]
            public string[] Tokens { get; set; } = System.Array.Empty<string>();
        }

        """;

    private static string TaggingOutput(string ns) => $$"""
        // Generated by mlnet-sequence codegen: the tags the model predicts.
        using Microsoft.ML.Data;

        namespace {{ns}};

        /// <summary>The model's tags for one sentence: one per token, in token order.</summary>
        public sealed class ModelOutput
        {
            /// <summary>The predicted tag of each token.</summary>
            [ColumnName("{{TaggingWorkflow.TagsColumn}}")]
            public string[] Tags { get; set; } = System.Array.Empty<string>();

            /// <summary>The probability of each predicted tag.</summary>
            public float[] Score { get; set; } = System.Array.Empty<float>();
        }

        """;

    private static string TaggingProgram(WorkflowConfig c, string ns)
    {
        var first = new TaggingWorkflow(c, SilentObserver.Instance).FirstSentence(c.Resolve(c.Data.Path));
        return $$"""
            // Generated by mlnet-sequence codegen: tags the first sentence of the training data file.
            using System;
            using {{ns}};

            var input = new ModelInput { Tokens = new[] { {{string.Join(", ", first.Select(TrainerOptionsBinder.CSharp))}} } };
            var output = {{ns}}Model.Predict(input);
            Console.WriteLine("Tags=" + string.Join(" ", output.Tags));

            """;
    }

    private static string PredictClass(WorkflowConfig c, string ns) => $$"""
        // Generated by mlnet-sequence codegen: loads the saved model once and predicts.
        using System;
        using System.IO;
        using Microsoft.ML;
        using MLNet.Sequence;

        namespace {{ns}};

        /// <summary>The trained model ({{Describe(c)}}).</summary>
        public static class {{ns}}Model
        {
            /// <summary>The model file, next to the program.</summary>
            public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "model.zip");

            private static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> Engine = new(CreateEngine, isThreadSafe: true);
            private static readonly object Gate = new();

            /// <summary>A prediction engine over the saved model (not thread-safe: one per thread, or use <see cref="Predict"/>).</summary>
            public static PredictionEngine<ModelInput, ModelOutput> CreateEngine()
            {
                var ml = new MLContext();
                var model = ml.Model.LoadSequenceModel(ModelPath, out _);
                return ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
            }

            /// <summary>Predicts one row (serialised across threads).</summary>
            public static ModelOutput Predict(ModelInput input)
            {
                lock (Gate)
                    return Engine.Value.Predict(input);
            }
        }

        """;

    private static string Describe(WorkflowConfig c) => c.TaskKind switch
    {
        WorkflowTask.Tagging => $"tagging; {c.Trainer?.Family} tagger, scheme {c.Tagging?.Scheme}",
        WorkflowTask.Generation => $"generation; {c.Trainer?.Family} language model of '{c.Input}' ({c.Generation?.Tokens})",
        WorkflowTask.Recommendation => $"recommendation; {c.Trainer?.Family} next-item model of '{c.Recommendation?.ItemColumn}' by '{c.Recommendation?.UserColumn}'",
        WorkflowTask.SequenceToSequence => $"seq2seq; {c.Trainer?.Family} encoder-decoder from '{c.Input}' ({c.Seq2Seq?.SourceTokens}) to '{c.Label}' ({c.Seq2Seq?.TargetTokens})",
        _ => $"{c.Task}; label '{c.Label}', input '{c.Input}'",
    };

    private static string PredictProgram(WorkflowConfig c, string ns)
    {
        var file = DelimitedFile.Read(c.Resolve(c.Data.Path), c.Data.SeparatorChar, c.Data.HasHeader, c.Data.Columns!.Select(x => x.Name).ToList(), "data.path");
        var row = file.WithAudioPathsResolved(c).Rows[0];
        var assignments = c.Data.Columns!.Select(col => (col, index: Array.IndexOf(file.Header, col.Name)))
            .Where(x => x.col.Name != c.Label && x.index >= 0)
            .Select(x => $"    {Identifier(x.col.Name)} = {Literal(row[x.index], x.col.Type)},");
        var print = c.TaskKind switch
        {
            WorkflowTask.Binary => "Console.WriteLine($\"PredictedLabel={output.PredictedLabel} Probability={output.Probability.ToString(\"R\", CultureInfo.InvariantCulture)}\");",
            WorkflowTask.Multiclass => "Console.WriteLine($\"PredictedLabel={output.PredictedLabel} Probability={output.Score.Max().ToString(\"R\", CultureInfo.InvariantCulture)}\");",
            _ => "Console.WriteLine($\"Score={output.Score.ToString(\"R\", CultureInfo.InvariantCulture)}\");",
        };
        return $$"""
            // Generated by mlnet-sequence codegen: predicts the first row of the training data file.
            using System;
            using System.Globalization;
            using System.Linq;
            using {{ns}};

            var input = new ModelInput
            {
            {{string.Join("\n", assignments)}}
            };
            var output = {{ns}}Model.Predict(input);
            {{print}}

            """;
    }

    private static string ForecastClass(WorkflowConfig c, string ns)
    {
        var f = c.Forecasting!;
        bool dates = c.Data.Columns!.First(x => x.Name == f.TimeColumn).Type == "date";
        string timesType = dates ? "DateTime" : "double";
        string timesArg = dates ? "times: times" : "numericTimes: times";
        return $$"""
            // Generated by mlnet-sequence codegen: loads the saved forecaster once and forecasts.
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using MLNet.Sequence;
            using MLNet.Sequence.Forecasting;

            namespace {{ns}};

            /// <summary>The trained forecaster of {{string.Join(", ", f.ValueColumns!)}} (window {{f.WindowLength}}, horizon {{f.Horizon}}).</summary>
            public static class {{ns}}Model
            {
                /// <summary>The model file, next to the program.</summary>
                public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "model.zip");

                private static readonly Lazy<IForecaster> Model = new(Load, isThreadSafe: true);

                private static IForecaster Load()
                {
                    // The saved zip holds a chain whose forecasting step is the forecaster.
                    var chain = (TransformerChain<ITransformer>)new MLContext().Model.LoadSequenceModel(ModelPath, out _);
                    return chain.OfType<IForecaster>().Single();
                }

                /// <summary>
                /// Forecasts the steps after <paramref name="values"/> (one array per value column: {{string.Join(", ", f.ValueColumns!)}};
                /// at least the last {{f.WindowLength}} steps, oldest first) stamped with <paramref name="times"/>.
                /// </summary>
                public static Forecast Forecast(IReadOnlyList<float[]> values, IReadOnlyList<{{timesType}}> times, int horizon = {{f.Horizon}}) =>
                    Model.Value.Forecast(new SeriesFrame("series", values, {{timesArg}}), horizon);
            }

            """;
    }

    private static string ForecastProgram(WorkflowConfig c, string ns)
    {
        var f = c.Forecasting!;
        var series = new ForecastWorkflow(c, SilentObserver.Instance).ReadSeries(c.Resolve(c.Data.Path), "data.path")[0];
        // A windowed forecaster reads its last WindowLength steps; DeepAR also reads lags before its context, so it gets them all.
        int take = c.Trainer?.Family == "deepar" ? series.Length : Math.Min(series.Length, f.WindowLength);
        int start = series.Length - take;
        var values = series.Values.Select(v => "new[] { " + string.Join(", ", v.Skip(start).Select(x => x.ToString("R", CultureInfo.InvariantCulture) + "f")) + " }");
        string times = series.Times != null
            ? "new[] { " + string.Join(", ", series.Times.Skip(start).Select(t => $"new DateTime({t.Year}, {t.Month}, {t.Day}, {t.Hour}, {t.Minute}, {t.Second}, DateTimeKind.Utc)")) + " }"
            : "new[] { " + string.Join(", ", series.NumericTimes!.Skip(start).Select(t => t.ToString("R", CultureInfo.InvariantCulture))) + " }";
        return $$"""
            // Generated by mlnet-sequence codegen: forecasts what follows the last {{take}} steps of the training data file.
            using System;
            using System.Globalization;
            using System.Linq;
            using {{ns}};

            var values = new[]
            {
                {{string.Join(",\n    ", values)}},
            };
            var times = {{times}};
            var forecast = {{ns}}Model.Forecast(values, times);
            Console.WriteLine("Forecast=" + string.Join(";", forecast.Point[0].Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

            """;
    }
}
