using System.Text.Json;
using Backprop.Cli;
using Backprop.Tests.Data;
using static Backprop.Tests.Cli.EvalCommandTests;

namespace Backprop.Tests.Cli;

// Runs `backprop predict` in-process. The checkpoints hold linear models with hand-set weights and zero bias, so the
// logits are the (scaled) inputs themselves and the expected probabilities are their softmax, computed here in double.
public class PredictCommandTests
{
    private static readonly float[,] Identity3 = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };

    private static double[] Softmax(params double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    private static JsonElement[] JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    private static double[] Probabilities(JsonElement row) => row.GetProperty("probabilities").EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6); // float32 softmax
    }

    [Fact]
    public void Csv_rows_without_labels_get_the_softmax_of_the_hand_set_logits()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["1,2,0.5", "", "3,0,0", "0,0,0"]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--json");

        Assert.True(code == 0, error);
        var rows = JsonLines(output);
        Assert.Equal(3, rows.Length);
        Assert.Equal([1, 2, 3], rows.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal([1, 0, 0], rows.Select(r => r.GetProperty("predicted").GetInt32())); // a three-way tie goes to class 0
        AssertClose(Softmax(1, 2, 0.5), Probabilities(rows[0]));
        AssertClose(Softmax(3, 0, 0), Probabilities(rows[1]));
        AssertClose([1.0 / 3, 1.0 / 3, 1.0 / 3], Probabilities(rows[2]));
        Assert.False(rows[0].TryGetProperty("label", out _));
    }

    [Fact]
    public void Float64_checkpoint_predicts_in_float64()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3, dtype: DType.Float64);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["1,2,0.5"]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--json");

        Assert.True(code == 0, error);
        var expected = Softmax(1, 2, 0.5);
        var actual = Probabilities(JsonLines(output)[0]);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Theory]
    [InlineData("label")]
    [InlineData("1")]
    [InlineData("-3")]
    public void Label_column_by_name_or_index_is_dropped_and_reported(string labelColumn)
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("labelled.csv");
        File.WriteAllLines(input, ["a,label,b,c", "1,1,2,0.5", "3,2,0,0"]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--label-column", labelColumn, "--json");

        Assert.True(code == 0, error);
        var rows = JsonLines(output);
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("label").GetInt32()));
        AssertClose(Softmax(1, 2, 0.5), Probabilities(rows[0]));
        AssertClose(Softmax(3, 0, 0), Probabilities(rows[1]));
    }

    [Fact]
    public void Top_k_lists_the_most_probable_classes_first()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["1,2,0.5"]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--top", "2", "--json");

        Assert.True(code == 0, error);
        var top = JsonLines(output)[0].GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal([1, 0], top.Select(t => t.GetProperty("class").GetInt32()));
        var p = Softmax(1, 2, 0.5);
        Assert.Equal(p[1], top[0].GetProperty("probability").GetDouble(), 6);
        Assert.Equal(p[0], top[1].GetProperty("probability").GetDouble(), 6);
    }

    [Fact]
    public void Digits_features_are_scaled_by_one_sixteenth_then_standardised_as_recorded()
    {
        using var dir = new ScratchDirectory();
        // 16, 0, 8 → /16 → (1, 0, 0.5) → (x − 0.5) / 0.5 → (1, −1, 0).
        string config = """{"data": "digits", "standardization": {"mean": [0.5, 0.5, 0.5], "std": 0.5}}""";
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3, config);
        string input = dir.File("pixels.csv");
        File.WriteAllLines(input, ["16,0,8"]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--json");
        Assert.True(code == 0, error);
        AssertClose(Softmax(1, -1, 0), Probabilities(JsonLines(output)[0]));

        // --scale replaces the default factor: 16, 0, 8 → ×0.125 → (2, 0, 1) → (3, −1, 1).
        (code, output, error) = Run("predict", checkpoint, "--input", input, "--scale", "0.125", "--json");
        Assert.True(code == 0, error);
        AssertClose(Softmax(3, -1, 1), Probabilities(JsonLines(output)[0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_images_are_divided_by_255(bool gzip)
    {
        using var dir = new ScratchDirectory();
        // Images [1, 2, 2]: class 0 reads the top-left pixel, class 1 the bottom-right one.
        string checkpoint = SaveLinearCheckpoint(dir, [1, 2, 2], new float[,] { { 1, 0, 0, 0 }, { 0, 0, 0, 1 } });
        string input = dir.File(gzip ? "images.idx3-ubyte.gz" : "images.idx3-ubyte");
        IdxFileWriter.Write(input, IdxFileWriter.Encode(0x00000803, [2, 2, 2], [255, 9, 9, 0, 0, 9, 9, 51]), gzip);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--json");

        Assert.True(code == 0, error);
        var rows = JsonLines(output);
        Assert.Equal([0, 1], rows.Select(r => r.GetProperty("predicted").GetInt32()));
        AssertClose(Softmax(1, 0), Probabilities(rows[0]));
        AssertClose(Softmax(0, 0.2), Probabilities(rows[1]));
    }

    [Fact]
    public void Truncated_idx_file_is_one_line_and_exit_1()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [1, 2, 2], new float[,] { { 1, 0, 0, 0 }, { 0, 0, 0, 1 } });
        string input = dir.File("short.idx3-ubyte");
        var bytes = IdxFileWriter.Encode(0x00000803, [3, 2, 2], new byte[12]);
        File.WriteAllBytes(input, bytes[..^5]);

        var (code, output, error) = Run("predict", checkpoint, "--input", input);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Contains("truncated file: expected 12 bytes of pixel data", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Row_with_the_wrong_number_of_features_is_named()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["1,2,3", "4,5,6", "7,8"]);

        var (code, _, error) = Run("predict", checkpoint, "--input", input);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal($"backprop predict: {input}: row 3 (line 3) has 2 features, the model expects 3", error.TrimEnd());
    }

    [Fact]
    public void Idx_images_of_the_wrong_size_are_refused()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("images.idx3-ubyte");
        IdxFileWriter.WriteImages(input, 1, 2, 2, gzip: false);

        var (code, _, error) = Run("predict", checkpoint, "--input", input);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("the images are 2×2 (4 values each), the model expects 3 features", error);
    }

    [Fact]
    public void Csv_value_error_names_the_row_and_column()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["a,b,c", "1,2,3", "4,x,6"]);

        var (code, _, error) = Run("predict", checkpoint, "--input", input);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal($"backprop predict: {input}: row 2 (line 3), column 2: 'x' is not a finite number.", error.TrimEnd());
    }

    [Fact]
    public void Unknown_label_column_name_lists_the_columns()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["a,b,c,y", "1,2,3,0"]);

        var (code, _, error) = Run("predict", checkpoint, "--input", input, "--label-column", "label");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("there is no column named 'label'; the columns are 'a', 'b', 'c', 'y'", error);
    }

    [Fact]
    public void Missing_checkpoint_non_checkpoint_and_unknown_option_are_one_line_errors()
    {
        using var dir = new ScratchDirectory();
        string input = dir.File("rows.csv");
        File.WriteAllLines(input, ["1,2,3"]);

        var missing = Run("predict", dir.File("none.safetensors"), "--input", input);
        Assert.Equal(ExitCodes.Failure, missing.Code);
        Assert.Equal($"backprop predict: checkpoint '{dir.File("none.safetensors")}' does not exist", missing.Err.TrimEnd());

        var notCheckpoint = Run("predict", input, "--input", input);
        Assert.Equal(ExitCodes.Failure, notCheckpoint.Code);
        Assert.StartsWith($"backprop predict: '{input}' is not a safetensors checkpoint:", notCheckpoint.Err);
        Assert.Single(notCheckpoint.Err.TrimEnd().Split('\n'));

        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        var unknown = Run("predict", checkpoint, "--input", input, "--topk", "2");
        Assert.Equal(ExitCodes.Usage, unknown.Code);
        Assert.Equal("backprop predict: unknown option --topk (see 'backprop predict --help')", unknown.Err.TrimEnd());

        var noInput = Run("predict", checkpoint);
        Assert.Equal(ExitCodes.Usage, noInput.Code);
        Assert.Contains("--input FILE is needed", noInput.Err);
    }

    [Fact]
    public void Missing_input_file_is_one_line_and_exit_1()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        var (code, _, error) = Run("predict", checkpoint, "--input", dir.File("absent.csv"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal($"backprop predict: {dir.File("absent.csv")}: file not found.", error.TrimEnd());
    }

    [Fact]
    public void Table_is_aligned_and_reports_accuracy_when_labels_are_known()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], Identity3);
        string input = dir.File("labelled.csv");
        var lines = new List<string> { "a,b,c,label" };
        for (int i = 0; i < 12; i++) lines.Add(i % 2 == 0 ? "1,2,0.5,1" : "3,0,0,2");
        File.WriteAllLines(input, lines);

        var (code, output, error) = Run("predict", checkpoint, "--input", input, "--label-column", "label");

        Assert.True(code == 0, error);
        var table = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(14, table.Length); // header, 12 rows, accuracy
        Assert.Single(table[..13].Select(l => l.Length).Distinct());
        Assert.Matches(@"^\s+12\s+2\s+0\s+0\.9094\s+0\.0453\s+0\.0453$", table[12]); // softmax(3, 0, 0)
        Assert.Equal("accuracy 0.5000 (6 of 12 rows predicted as labelled)", table[13]);
    }
}
