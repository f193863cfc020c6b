using Backprop.Datasets;
using System.Text.Json;
using Backprop.Cli;
using Backprop.NN;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

// Runs `backprop eval` in-process on small checkpoints written to a scratch directory. The expected figures come from
// a linear model whose weights are set by hand, so every prediction and loss can be worked out on paper.
public class EvalCommandTests
{
    /// <summary>
    /// Saves the "linear" model for samples of <paramref name="inputShape"/> with the given weight [classes, features]
    /// and zero bias; its logits are then x·Wᵀ, readable by hand.
    /// </summary>
    internal static string SaveLinearCheckpoint(ScratchDirectory dir, int[] inputShape, float[,] weight, string? trainingConfigJson = null,
        string name = "model.safetensors", DType dtype = DType.Float32)
    {
        int classes = weight.GetLength(0);
        var model = ModelSpec.Parse("linear").Build(inputShape, classes, new Generator(1), dtype);
        var linear = model.Layers.OfType<Linear>().Single();
        linear.Weight.CopyFrom(Tensor.FromArray(weight).To(dtype));
        linear.Bias!.CopyFrom(Tensor.Zeros([classes], dtype));
        string path = dir.File(name);
        Checkpoint.Save(path, model, new CheckpointMetadata
        {
            ModelSpec = "linear",
            InputShape = inputShape,
            NumClasses = classes,
            TrainingConfigJson = trainingConfigJson,
            DType = dtype,
            Epoch = 1,
        });
        return path;
    }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    // Three classes, ten identical rows each, so whatever rows the stratified split picks, its test part holds two
    // rows of every class (round(10 · 0.2)) with known logits under the identity weight:
    //   class 0: (2, 1, 0) → predicted 0;  class 1: (0, 1, 3) → predicted 2 (wrong);  class 2: (0, 0, 1) → predicted 2.
    private static string WriteThreeClassCsv(ScratchDirectory dir)
    {
        string path = dir.File("three.csv");
        var lines = new List<string> { "a,b,c,label" };
        for (int i = 0; i < 10; i++) lines.AddRange(["2,1,0,0", "0,1,3,1", "0,0,1,2"]);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static readonly float[,] Identity3 = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };

    // Cross-entropy −log softmax(z)[y] = log Σ exp(z) − z[y] for the three rows above, averaged (two rows of each).
    private static readonly double ExpectedLoss =
        ((Math.Log(Math.Exp(2) + Math.E + 1) - 2) + (Math.Log(1 + Math.E + Math.Exp(3)) - 1) + (Math.Log(2 + Math.E) - 1)) / 3;

    [Fact]
    public void Hand_set_linear_model_gives_the_confusion_matrix_accuracy_and_loss_worked_out_by_hand()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);

        var (code, output, error) = Run("eval", checkpoint, "--data", "csv:" + csv, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(checkpoint, root.GetProperty("checkpoint").GetString());
        Assert.Equal("csv:" + csv, root.GetProperty("data").GetString());
        Assert.Equal(6, root.GetProperty("samples").GetInt32());
        int[][] confusion = root.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal([[2, 0, 0], [0, 0, 2], [0, 0, 2]], confusion);
        Assert.Equal(4.0 / 6, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(ExpectedLoss, root.GetProperty("loss").GetDouble(), 5); // float32 logits
        Assert.Equal([1.0, 0.0, 1.0], root.GetProperty("recall").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void Float64_checkpoint_evaluates_in_double_precision()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3, dtype: DType.Float64);

        var (code, output, error) = Run("eval", checkpoint, "--data", "csv:" + csv, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(4.0 / 6, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(ExpectedLoss, root.GetProperty("loss").GetDouble(), 12); // float64 all the way: agrees to 12 places
    }

    [Fact]
    public void Data_set_named_in_the_training_config_is_the_default()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3, $$"""{"data": {{JsonSerializer.Serialize("csv:" + csv)}}, "epochs": 1}""");

        var (code, output, error) = Run("eval", checkpoint, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("csv:" + csv, root.GetProperty("data").GetString());
        Assert.Equal(6, root.GetProperty("samples").GetInt32());
    }

    [Fact]
    public void Standardisation_recorded_in_the_checkpoint_is_applied_to_the_test_set()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        // x' = (x − 1) / 0.5 turns class 1's (0, 1, 3) into (−2, 0, 4) — still predicted 2 — and class 0's (2, 1, 0)
        // into (2, 0, −2); the loss then differs from the unstandardised one, which shows the transform was applied.
        string config = """{"standardization": {"mean": 1, "std": 0.5}}""";
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3, config);

        var (code, output, error) = Run("eval", checkpoint, "--data", "csv:" + csv, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        double expected = ((Math.Log(Math.Exp(2) + 1 + Math.Exp(-2)) - 2)
            + (Math.Log(Math.Exp(-2) + 1 + Math.Exp(4)) - 0)
            + (Math.Log(2 * Math.Exp(-2) + Math.Exp(0)) - 0)) / 3; // class 2: (0, 0, 1) → (−2, −2, 0)
        Assert.Equal(expected, root.GetProperty("loss").GetDouble(), 5);
    }

    [Fact]
    public void Text_report_has_an_aligned_confusion_matrix_with_recall()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);

        var (code, output, error) = Run("eval", checkpoint, "--data", "csv:" + csv);

        Assert.True(code == 0, error);
        Assert.Contains("accuracy    0.6667  (4 of 6 right)", output);
        Assert.Contains("samples     6", output);
        var table = output.Split('\n').SkipWhile(l => !l.StartsWith("true", StringComparison.Ordinal)).Where(l => l.Length > 0).ToArray();
        Assert.Equal(4, table.Length);
        Assert.Single(table.Select(l => l.Length).Distinct()); // every line of the table has the same width
        Assert.EndsWith("recall", table[0]);
        Assert.Matches(@"^\s+1\s+0\s+0\s+2\s+0\.0000$", table[2]);
    }

    [Fact]
    public void Random_digits_model_confusion_sums_to_the_test_set_and_accuracy_is_its_trace_over_the_total()
    {
        using var dir = new ScratchDirectory();
        var model = ModelSpec.Parse("mlp:16").Build([1, 8, 8], 10, new Generator(7));
        string checkpoint = dir.File("digits.safetensors");
        Checkpoint.Save(checkpoint, model, new CheckpointMetadata { ModelSpec = "mlp:16", InputShape = [1, 8, 8], NumClasses = 10 });

        var (code, output, error) = Run("eval", checkpoint, "--json", "--batch-size", "100");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("digits", root.GetProperty("data").GetString());
        var confusion = root.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(359, root.GetProperty("samples").GetInt32()); // Digits.LoadSplit's documented test size
        Assert.Equal(359, confusion.Sum(r => r.Sum()));
        Assert.Equal([36, 36, 35, 37, 36, 36, 36, 36, 35, 36], confusion.Select(r => r.Sum())); // documented per-class test sizes
        int trace = Enumerable.Range(0, 10).Sum(i => confusion[i][i]);
        Assert.Equal((double)trace / 359, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.True(root.GetProperty("loss").GetDouble() > 0);
    }

    [Fact]
    public void Missing_checkpoint_is_one_line_and_exit_1()
    {
        using var dir = new ScratchDirectory();
        var (code, output, error) = Run("eval", dir.File("nope.safetensors"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Equal($"backprop eval: checkpoint '{dir.File("nope.safetensors")}' does not exist", error.TrimEnd());
    }

    [Fact]
    public void File_that_is_not_a_safetensors_checkpoint_is_refused()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("notes.safetensors");
        File.WriteAllText(path, "these are not tensors, just some text that is long enough");
        var (code, _, error) = Run("eval", path);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith($"backprop eval: '{path}' is not a safetensors checkpoint:", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Data_whose_samples_do_not_fit_the_model_is_refused()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        var (code, _, error) = Run("eval", checkpoint, "--data", "digits");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("has samples of shape [1, 8, 8] (64 values), but the model expects [3] (3 values)", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Unknown_option_is_a_usage_error()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        var (code, _, error) = Run("eval", checkpoint, "--dta", "digits");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("backprop eval: unknown option --dta (see 'backprop eval --help')", error.TrimEnd());
    }

    [Fact]
    public void Csv_error_names_the_line_and_column()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string csv = dir.File("bad.csv");
        File.WriteAllLines(csv, ["a,b,c,label", "1,2,3,0", "1,x,3,1"]);
        var (code, _, error) = Run("eval", checkpoint, "--data", "csv:" + csv);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("line 3, column 2", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Results_do_not_depend_on_the_batch_size()
    {
        using var dir = new ScratchDirectory();
        string csv = WriteThreeClassCsv(dir);
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        var one = JsonDocument.Parse(Run("eval", checkpoint, "--data", "csv:" + csv, "--json", "--batch-size", "1").Out).RootElement;
        var all = JsonDocument.Parse(Run("eval", checkpoint, "--data", "csv:" + csv, "--json").Out).RootElement;
        Assert.Equal(all.GetProperty("confusion").GetRawText(), one.GetProperty("confusion").GetRawText());
        Assert.Equal(all.GetProperty("loss").GetDouble(), one.GetProperty("loss").GetDouble(), 6);
    }
}
