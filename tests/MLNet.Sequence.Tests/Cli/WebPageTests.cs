using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Sequence.Cli.Config;
using MLNet.Sequence.Cli.Serve;
using MLNet.Sequence.Cli.Workflow;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace MLNet.Sequence.Tests.Cli;

/// <summary>
/// The local web page in a real browser: Debian's headless chromium, driven through its chromedriver, walks the page
/// end to end on the splice data (upload, infer, a refused config, train with live progress, results and plots, a
/// prediction equal to the command line's, downloads). Screenshots of each step go to the test results folder, and to
/// the folder in MLNETSEQ_SCREENSHOTS when set (how docs/images was made).
/// </summary>
[TestClass]
[TestCategory("Browser")]
public sealed class WebPageTests
{
    private const string Browser = "/usr/lib/chromium/chromium";
    private const string DriverPath = "/usr/bin/chromedriver";

    public TestContext TestContext { get; set; } = null!;

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what()}.");
            System.Threading.Thread.Sleep(200);
        }
    }

    /// <summary>
    /// One walk of the page: a temporary folder (prepare data in it first), then <see cref="Start"/> runs the server on
    /// a free local port and headless chromium (its profile in the folder). Disposing closes both and deletes the folder.
    /// </summary>
    private sealed class BrowserPage : IDisposable
    {
        private readonly TestContext _context;
        private WebApplication? _app;
        private ChromeDriverService? _service;
        private ChromeDriver? _driver;

        public BrowserPage(TestContext context)
        {
            _context = context;
            Folder = ConfigTests.TempFolder();
            Directory.CreateDirectory(Folder);
        }

        public string Folder { get; }
        public string Url => _app!.Urls.Single();
        public ChromeDriver Driver => _driver ?? throw new InvalidOperationException("Start the page first.");

        /// <summary>The server (workspace in the folder; <paramref name="dataFolder"/> offered in the data list) and the browser.</summary>
        public void Start(string? dataFolder)
        {
            if (!File.Exists(Browser) || !File.Exists(DriverPath))
                Assert.Fail($"The browser test needs Debian's chromium and chromium-driver ({Browser}, {DriverPath}): apt-get install -y chromium chromium-driver (.ci/run installs them when missing).");
            _app = WebServer.Build(Path.Combine(Folder, "workspace"), dataFolder, port: 0);
            _app.StartAsync().GetAwaiter().GetResult();
            _service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
            _service.SuppressInitialDiagnosticInformation = true;
            var options = new ChromeOptions { BinaryLocation = Browser };
            options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1100,1500", $"--user-data-dir={Path.Combine(Folder, "chromium")}");
            _driver = new ChromeDriver(_service, options, TimeSpan.FromMinutes(2));
        }

        public IWebElement Id(string id) => Driver.FindElement(By.Id(id));

        public object? Js(string script) => ((IJavaScriptExecutor)Driver).ExecuteScript(script);

        /// <summary>
        /// Saves the page as <paramref name="file"/> in the folder (a result file), and in MLNETSEQ_SCREENSHOTS when set
        /// (how docs/images was made).
        /// </summary>
        public void Shot(string file)
        {
            var shot = ((ITakesScreenshot)Driver).GetScreenshot();
            shot.SaveAsFile(Path.Combine(Folder, file));
            _context.AddResultFile(Path.Combine(Folder, file));
            if (Environment.GetEnvironmentVariable("MLNETSEQ_SCREENSHOTS") is { Length: > 0 } shots)
            {
                Directory.CreateDirectory(shots);
                shot.SaveAsFile(Path.Combine(Path.GetFullPath(shots), file));
            }
        }

        public void Dispose()
        {
            _driver?.Dispose();
            _service?.Dispose();
            _app?.StopAsync().GetAwaiter().GetResult();
            (_app as IDisposable)?.Dispose();
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { }
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheWebPageUploadsTrainsShowsResultsPredictsAndOffersDownloads()
    {
        using var page = new BrowserPage(TestContext);
        var folder = page.Folder;
        var workspace = Path.Combine(folder, "workspace");
        var upload = Path.Combine(folder, "dna.csv");
        File.Copy(Path.Combine(ConfigTests.RepoRoot(), "data", "bio", "splice_dna.csv"), upload);
        page.Start(dataFolder: null);
        var url = page.Url;
        StringAssert.StartsWith(url, "http://127.0.0.1:", "local only");

        int step = 0;
        void Shot(string name) => page.Shot($"serve-{++step}-{name}.png");

        // 1. Data: upload a CSV; the list then offers and selects it.
        page.Driver.Navigate().GoToUrl(url);
        page.Id("upload").SendKeys(upload);
        WaitFor(() => (page.Js("return document.getElementById('dataset').value") as string ?? "").EndsWith("dna.csv", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => "the uploaded file in the data list");
        Shot("data");

        // 2. Task and columns: the inferred defaults are shown.
        page.Js("document.getElementById('task').value = 'multiclass'");
        page.Id("infer").Click();
        WaitFor(() => page.Id("columns-area").Displayed, TimeSpan.FromSeconds(30), () => $"the inferred columns (error: {page.Id("error").Text})");
        Assert.AreEqual("label", page.Js("return document.getElementById('label').value"));
        Assert.AreEqual("sequence", page.Js("return document.getElementById('input').value"));
        StringAssert.Contains(page.Id("columns").Text, "sequence text input");
        StringAssert.Contains((string)page.Js("return document.getElementById('config').value")!, "\"tokenizer\": \"onehot\"");
        page.Id("epochs").Clear();
        page.Id("epochs").SendKeys("5");
        Shot("task-and-columns");

        // A config the tool refuses: the page shows the field and what was expected.
        page.Js("const c = document.getElementById('config'); c.value = c.value.replace('\"padLength\"', '\"padLenght\"')");
        page.Id("train").Click();
        WaitFor(() => page.Id("error").Text.Length > 0, TimeSpan.FromSeconds(30), () => "the config error");
        StringAssert.Contains(page.Id("error").Text, "padLenght");
        page.Js("const c = document.getElementById('config'); c.value = c.value.replace('\"padLenght\"', '\"padLength\"')");

        // 3. Train, with live progress, until done.
        page.Id("train").Click();
        WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(4), () => $"training (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
        Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
        StringAssert.Contains(page.Id("log").Text, "epoch 5/5");
        Shot("trained");

        // 4. Results: metrics next to the ML.NET baseline, the plots load.
        var metrics = page.Id("metrics").Text;
        StringAssert.Contains(metrics, "macroAccuracy");
        StringAssert.Contains(metrics, "ML.NET one-hot");
        var lstm = metrics.Split('\n').Single(l => l.StartsWith("lstm", StringComparison.Ordinal));
        Assert.IsGreaterThan(0.9, double.Parse(lstm.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), lstm);
        foreach (var plot in new[] { "plot-learningCurve", "plot-confusionMatrix" })
            WaitFor(() => Convert.ToInt64(page.Js($"return document.getElementById('{plot}').naturalWidth")) > 0, TimeSpan.FromSeconds(20), () => plot);
        page.Js("window.scrollTo(0, document.body.scrollHeight)");
        Shot("results");

        // 5. Try it: the page's prediction is the command line's for the same row.
        var sequence = File.ReadLines(upload).ElementAt(1).Split(',')[1];
        page.Id("predict-text").SendKeys(sequence);
        page.Id("predict").Click();
        WaitFor(() => page.Driver.FindElements(By.Id("prediction-PredictedLabel")).Count > 0, TimeSpan.FromSeconds(30), () => $"the prediction (error: {page.Id("error").Text})");
        var predicted = page.Id("prediction-PredictedLabel").Text;
        // Why: every nucleotide shaded by its contribution (occlusion).
        Assert.AreEqual(60L, Convert.ToInt64(page.Js("return document.querySelectorAll('#explanation .step').length")));
        Assert.IsTrue(Convert.ToBoolean(page.Js("return [...document.querySelectorAll('#explanation .step')].some(s => parseFloat(s.dataset.contribution) !== 0)")));
        page.Js("window.scrollTo(0, document.body.scrollHeight)");
        Shot("prediction");
        var config = WorkflowConfig.Parse((string)page.Js("return document.getElementById('config').value")!, workspace);
        var jobId = new Uri(page.Id("download-model").GetAttribute("href")!).Segments[3].TrimEnd('/');
        config.Output = Path.Combine(workspace, "jobs", jobId);
        var input = Path.Combine(folder, "one.csv");
        File.WriteAllText(input, "sequence\n" + sequence + "\n");
        SavedModel.Predict(config, null, input, Path.Combine(folder, "one-predicted.csv"));
        Assert.AreEqual(File.ReadAllLines(Path.Combine(folder, "one-predicted.csv"))[1].Split(',')[1], predicted);

        // Downloads: the model zip and the generated C# project.
        using var http = new HttpClient();
        var model = http.GetByteArrayAsync(page.Id("download-model").GetAttribute("href")).GetAwaiter().GetResult();
        Assert.IsGreaterThan(10_000, model.Length);
        var code = http.GetByteArrayAsync(page.Id("download-code").GetAttribute("href")).GetAwaiter().GetResult();
        using var zip = new ZipArchive(new MemoryStream(code));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        foreach (var expected in new[] { "ModelInput.cs", "ModelOutput.cs", "Program.cs", "model.zip" })
            Assert.Contains(expected, names);
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheWebPageSweepsSpokenDigitsAndExplainsARecordingBySegments()
    {
        using var page = new BrowserPage(TestContext);
        var folder = page.Folder;
        // A data folder with recordings 5-9 of every speaker and digit (300 WAV files) and the CSV naming them.
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "fsdd"));
        var source = Path.Combine(ConfigTests.RepoRoot(), "data", "speech");
        var rows = File.ReadAllLines(Path.Combine(source, "fsdd-train.csv")).Skip(1).Select(l => l.Split(','))
            .Where(r => int.Parse(Path.GetFileNameWithoutExtension(r[0]).Split('_')[2], System.Globalization.CultureInfo.InvariantCulture) is >= 5 and < 10).ToList();
        foreach (var r in rows)
            File.Copy(Path.Combine(source, r[0]), Path.Combine(data, r[0]));
        File.WriteAllLines(Path.Combine(data, "digits.csv"), new[] { "file,digit,speaker" }.Concat(rows.Select(r => string.Join(",", r))));
        page.Start(data);

        page.Driver.Navigate().GoToUrl(page.Url);
        WaitFor(() => (page.Js("return document.getElementById('dataset').value") as string ?? "").EndsWith("digits.csv", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => "the data folder's file in the list");
        page.Js("document.getElementById('task').value = 'speech'");
        page.Id("infer").Click();
        WaitFor(() => page.Id("columns-area").Displayed, TimeSpan.FromSeconds(30), () => $"the inferred columns (error: {page.Id("error").Text})");
        Assert.AreEqual("digit", page.Js("return document.getElementById('label').value"));
        Assert.AreEqual("file", page.Js("return document.getElementById('input').value"));
        StringAssert.Contains((string)page.Js("return document.getElementById('config').value")!, "\"audio\"");

        // A sweep of 12 trials (the JSON's budget; the minutes field's 3 minutes only as a backstop), each of at
        // most 3 epochs: a leaderboard, then the refit model's metrics. A trial budget keeps the run repeatable.
        page.Id("epochs").Clear();
        page.Id("epochs").SendKeys("3");
        page.Id("sweep-minutes").Clear();
        page.Id("sweep-minutes").SendKeys("3");
        page.Js("const c = document.getElementById('config'); const j = JSON.parse(c.value); j.sweep = { maximumTrials: 12 }; c.value = JSON.stringify(j, null, 2);");
        page.Id("sweep").Click();
        WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(5), () => $"the sweep (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
        Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
        StringAssert.Contains(page.Id("log").Text, "trial #1");
        StringAssert.Contains(page.Id("leaderboard").Text, "MacroAccuracy");
        var metrics = page.Id("metrics").Text;
        StringAssert.Contains(metrics, "microAccuracy");
        TestContext.WriteLine(metrics + "\n" + page.Id("leaderboard").Text);
        var best = metrics.Split('\n').Skip(1).First();
        // 240 training recordings, trials of at most 3 epochs: chance is 0.1; the refit best trial (an LSTM) scored 0.674 macro accuracy when written.
        Assert.IsGreaterThan(0.3, double.Parse(best.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), best);
        page.Js("document.getElementById('results').scrollIntoView()");
        page.Shot("serve-speech-1-sweep-results.png");

        // Try it: a recording named as the data file names it; the explanation is one shaded span per 0.1 s segment.
        page.Id("predict-text").SendKeys(rows[0][0]);
        page.Id("predict").Click();
        WaitFor(() => page.Driver.FindElements(By.Id("prediction-PredictedLabel")).Count > 0, TimeSpan.FromSeconds(30), () => $"the prediction (error: {page.Id("error").Text})");
        StringAssert.Matches(page.Id("prediction-PredictedLabel").Text, new System.Text.RegularExpressions.Regex("^[0-9]$"));
        var segments = (System.Collections.ObjectModel.ReadOnlyCollection<object>)page.Js("return [...document.querySelectorAll('#explanation .step')].map(s => s.textContent)")!;
        Assert.IsGreaterThan(2, segments.Count, "a recording of a few tenths of a second");
        Assert.AreEqual("0.0s", segments[0]);
        Assert.AreEqual("0.1s", segments[1]);
        page.Js("window.scrollTo(0, document.body.scrollHeight)");
        page.Shot("serve-speech-2-prediction.png");

        // A path outside the data folder is refused with the field named.
        page.Id("predict-text").Clear();
        page.Id("predict-text").SendKeys("../../etc/passwd.wav");
        page.Id("predict").Click();
        WaitFor(() => page.Id("error").Text.Length > 0, TimeSpan.FromSeconds(30), () => "the refusal");
        StringAssert.Contains(page.Id("error").Text, "not a WAV file inside the data file's folder");
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheWebPageTrainsATaggerOnAnUploadedConllFileAndExplainsItsTags()
    {
        using var page = new BrowserPage(TestContext);
        var folder = page.Folder;
        // The first 400 sentences of Brown news, uploaded as a CoNLL file.
        var upload = Path.Combine(folder, "brown-400.conll");
        ConfigTests.WriteBrownSentences(upload, 400);
        page.Start(dataFolder: null);
        page.Driver.Navigate().GoToUrl(page.Url);
        page.Id("upload").SendKeys(upload);
        WaitFor(() => (page.Js("return document.getElementById('dataset').value") as string ?? "").EndsWith("brown-400.conll", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => "the uploaded file in the data list");
        page.Js("document.getElementById('task').value = 'tagging'");
        page.Id("infer").Click();
        WaitFor(() => page.Id("columns-area").Displayed, TimeSpan.FromSeconds(30), () => $"the inferred settings (error: {page.Id("error").Text})");
        StringAssert.Contains(page.Id("tagging-fields").Text, "tag scheme plain");
        Assert.IsFalse(page.Id("tabular-fields").Displayed, "no label and input columns for a CoNLL file");

        // Train the CNN tagger for 15 epochs (the JSON's family; the epochs field).
        page.Js("const c = document.getElementById('config'); const j = JSON.parse(c.value); j.trainer.family = 'cnn'; c.value = JSON.stringify(j, null, 2);");
        page.Id("epochs").Clear();
        page.Id("epochs").SendKeys("15");
        page.Id("train").Click();
        WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(5), () => $"training (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
        Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
        var metrics = page.Id("metrics").Text;
        TestContext.WriteLine(metrics);
        StringAssert.Contains(metrics, "majority tag per word");
        double Accuracy(string row) => double.Parse(metrics.Split('\n').Single(l => l.StartsWith(row, StringComparison.Ordinal))[row.Length..].Trim().Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);
        // 320 training sentences, 15 epochs: the CNN tagger 0.873, the majority tag per word 0.793 when written.
        Assert.IsGreaterThan(Accuracy("majority tag per word") + 0.03, Accuracy("cnn tagger"));

        // Try it: every token tagged, with the tokens that hold each tag up.
        page.Id("predict-text").SendKeys("The jury said the election was conducted .");
        page.Id("predict").Click();
        WaitFor(() => page.Driver.FindElements(By.CssSelector("#explanation .tag-row")).Count > 0, TimeSpan.FromSeconds(30), () => $"the tags (error: {page.Id("error").Text})");
        var rows = page.Driver.FindElements(By.CssSelector("#explanation .tag-row")).Select(r => r.Text).ToList();
        Assert.HasCount(8, rows);
        StringAssert.StartsWith(rows[0], "The at", "Brown tags 'The' as an article");
        StringAssert.Contains(rows[1], "itself", "a word holds up its own tag");
        page.Js("window.scrollTo(0, document.body.scrollHeight)");
        page.Shot("serve-tagging-prediction.png");
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheWebPageTrainsAndTriesTheSequenceOutputTasks()
    {
        using var page = new BrowserPage(TestContext);
        // A data folder with a pairs file (the CMUdict sample), review sentences, and the ratings of MovieLens' first 60 users.
        var data = Path.Combine(page.Folder, "data");
        Directory.CreateDirectory(data);
        var repo = Path.Combine(ConfigTests.RepoRoot(), "data");
        File.Copy(Path.Combine(repo, "seq2seq", "cmudict-sample.tsv"), Path.Combine(data, "pronunciations.tsv"));
        File.Copy(Path.Combine(repo, "text", "uci_sentiment_labelled_sentences.tsv"), Path.Combine(data, "sentences.tsv"));
        File.WriteAllLines(Path.Combine(data, "ratings.csv"), File.ReadLines(Path.Combine(repo, "recsys", "movielens_small_ratings.csv"))
            .Where((l, i) => i == 0 || int.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture) <= 60));
        page.Start(data);
        page.Driver.Navigate().GoToUrl(page.Url);
        WaitFor(() => (page.Js("return document.getElementById('dataset').options.length") as long? ?? 0) == 3, TimeSpan.FromSeconds(30), () => "the data folder's three files in the list");

        // Each task: the file, the task, the inferred settings, two epochs, train, then the prediction form.
        void Train(string file, string task)
        {
            page.Js($"const s = document.getElementById('dataset'); s.value = [...s.options].find(o => o.value.endsWith('{file}')).value;");
            page.Js($"document.getElementById('task').value = '{task}'");
            page.Id("infer").Click();
            WaitFor(() => page.Id("columns-area").Displayed && ((string)page.Js("return document.getElementById('config').value")!).Contains($"\"task\": \"{task}\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => $"the inferred {task} settings (error: {page.Id("error").Text})");
            Assert.IsFalse(page.Id("sweep").Enabled, $"{task} trains one model (no sweep)");
            page.Id("epochs").Clear();
            page.Id("epochs").SendKeys("2");
            page.Id("train").Click();
            WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(4), () => $"training {task} (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
            Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
            TestContext.WriteLine($"{task}: {page.Id("metrics").Text}");
        }
        string Predict(string text, string css)
        {
            page.Id("predict-text").Clear();
            page.Id("predict-text").SendKeys(text);
            page.Id("predict").Click();
            WaitFor(() => page.Driver.FindElements(By.CssSelector(css)).Count > 0, TimeSpan.FromSeconds(60), () => $"the prediction {css} (error: {page.Id("error").Text})");
            return string.Join("\n", page.Driver.FindElements(By.CssSelector(css)).Select(e => e.Text));
        }

        Train("pronunciations.tsv", "seq2seq");
        Assert.AreEqual("Phonemes", page.Js("return document.getElementById('label').value"));
        Assert.AreEqual("Word", page.Js("return document.getElementById('input').value"));
        StringAssert.Contains(page.Id("metrics").Text, "gru, beam 4");
        var phonemes = Predict("station", "#prediction-Prediction");
        Assert.IsTrue(phonemes.Split(' ').Length >= 2 && phonemes.All(c => char.IsUpper(c) || c == ' '), $"'{phonemes}' reads as phonemes");

        Train("sentences.tsv", "generation");
        StringAssert.Contains(page.Id("metrics").Text, "interpolated bigram");
        Assert.IsFalse(page.Id("label").Displayed, "generation has no label");
        Assert.IsGreaterThan(0, Predict("This movie ", "#prediction-Generated").Length);

        Train("ratings.csv", "recommendation");
        StringAssert.Contains(page.Id("metrics").Text, "most popular");
        var recommended = Predict("1 50 260", "#recommendations .recommendation-row").Split('\n');
        Assert.HasCount(10, recommended);
        Assert.IsFalse(recommended.Any(r => r.Split(' ')[1] is "1" or "50" or "260"), "no movie of the history");
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheWebPageFindsAnomaliesInATimeSeriesAndListsTheAlerts()
    {
        using var page = new BrowserPage(TestContext);
        var folder = page.Folder;
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(ConfigTests.RepoRoot(), "data", "anomaly", "nab", "data", "realKnownCause", "machine_temperature_system_failure.csv"),
            Path.Combine(data, "machine_temperature.csv"));
        page.Start(data);
        page.Driver.Navigate().GoToUrl(page.Url);
        WaitFor(() => (page.Js("return document.getElementById('dataset').value") as string ?? "").EndsWith("machine_temperature.csv", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => "the data folder's file in the list");
        page.Js("document.getElementById('task').value = 'anomaly'");
        page.Id("infer").Click();
        WaitFor(() => page.Id("columns-area").Displayed, TimeSpan.FromSeconds(30), () => $"the inferred columns (error: {page.Id("error").Text})");
        StringAssert.Contains(page.Id("columns").Text, "timestamp date time");
        StringAssert.Contains(page.Id("columns").Text, "value number value");
        page.Id("train").Click();
        WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(4), () => $"training (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
        Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
        StringAssert.Contains(page.Id("metrics").Text, "windowed Gaussian");
        WaitFor(() => Convert.ToInt64(page.Js("return document.getElementById('plot-anomalies').naturalWidth")) > 0, TimeSpan.FromSeconds(20), () => "the anomalies plot");

        // Try it: the alerts among the points after the probationary period, the same count train reported.
        var alerts = page.Id("metrics").Text.Split('\n').Single(l => l.StartsWith("forecastResidual detector", StringComparison.Ordinal)).Split(' ')[2];
        page.Id("detect").Click();
        WaitFor(() => page.Driver.FindElements(By.Id("alert-count")).Count > 0, TimeSpan.FromSeconds(60), () => $"the alerts (error: {page.Id("error").Text})");
        StringAssert.StartsWith(page.Id("alert-count").Text, $"{double.Parse(alerts, System.Globalization.CultureInfo.InvariantCulture):0} alerts in 21945 points");
        Assert.IsGreaterThan(0, page.Driver.FindElements(By.CssSelector("#alerts .alert-row")).Count);
        // Each alert with what the network expected and the points that moved its raw score most (the point itself, mostly).
        var why = page.Driver.FindElements(By.CssSelector("#alerts .alert-row .why")).Select(e => e.Text).ToList();
        Assert.IsTrue(why.All(w => w.Length > 0), string.Join(" | ", why));
        Assert.IsGreaterThan(why.Count / 2, why.Count(w => w.StartsWith("itself", StringComparison.Ordinal)), string.Join(" | ", why));
        page.Js("document.getElementById('results').scrollIntoView()");
        page.Shot("serve-anomaly-results-and-alerts.png");

        // Sweep: with the labelled windows in the config, trials are ranked by NAB's score; a budget of 4 trials.
        page.Id("sweep-minutes").Clear();
        page.Id("sweep-minutes").SendKeys("3");
        page.Js("const c = document.getElementById('config'); const j = JSON.parse(c.value); j.anomaly.windows = [['2013-12-10 06:25:00', '2013-12-12 05:35:00'], " +
           "['2013-12-15 17:50:00', '2013-12-17 17:00:00'], ['2014-01-27 14:20:00', '2014-01-29 13:30:00'], ['2014-02-07 14:55:00', '2014-02-09 14:05:00']]; " +
           "j.sweep = { maximumTrials: 4, metric: 'nabStandard', families: ['forecastResidual'] }; c.value = JSON.stringify(j, null, 2);");
        page.Id("epochs").Clear();
        page.Id("epochs").SendKeys("20");
        page.Id("sweep").Click();
        WaitFor(() => page.Id("status").Text is "done" or "failed", TimeSpan.FromMinutes(4), () => $"the sweep (status '{page.Id("status").Text}', log: {page.Id("log").Text})");
        Assert.AreEqual("done", page.Id("status").Text, page.Id("error").Text);
        StringAssert.Contains(page.Id("leaderboard").Text, "NabStandard");
        var best = page.Id("metrics").Text.Split('\n').Single(l => l.StartsWith("forecastResidual detector (sweep's best)", StringComparison.Ordinal));
        TestContext.WriteLine(best);
        page.Shot("serve-anomaly-sweep.png");
    }
}
