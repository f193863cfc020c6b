using System.Globalization;
using System.IO.Compression;
using System.Text;
using Backprop.Data;

namespace Backprop.Cli.Inference;

/// <summary>
/// The samples `backprop predict` classifies, read from a CSV file of feature rows (with or without a label column)
/// or an IDX image file, either raw or gzip-compressed (recognised by content, not by name).
/// </summary>
/// <remarks>
/// IDX pixels are divided by 255, as <see cref="IdxReader.LoadPair"/> does for training. CSV features are multiplied
/// by the scale the caller gives (what the training data loader applied). CSV rules follow <see cref="CsvReader"/>:
/// blank lines are skipped, fields are trimmed, the first line is a header when any of its fields is not a number,
/// numbers use '.' and must be finite. Errors are <see cref="DataFormatException"/>s naming the file, the row and
/// line, and the column.
/// </remarks>
public sealed class InputRows
{
    private InputRows(string format, float[] features, int count, int[]? labels)
    {
        (Format, Features, Count, Labels) = (format, features, count, labels);
    }

    /// <summary>"csv" or "idx".</summary>
    public string Format { get; }

    /// <summary>Count × features values, row after row, already scaled.</summary>
    public float[] Features { get; }

    /// <summary>The number of rows.</summary>
    public int Count { get; }

    /// <summary>The label of each row when the CSV file had a label column that was named; otherwise null.</summary>
    public int[]? Labels { get; }

    /// <summary>
    /// Reads <paramref name="path"/>, requiring <paramref name="featureCount"/> features per row.
    /// </summary>
    /// <param name="path">A CSV or IDX image file, raw or gzip.</param>
    /// <param name="featureCount">The number of values one sample of the model has.</param>
    /// <param name="labelColumn">A CSV column to drop (and report as the label): a header name, or a 0-based index (negative counts from the end).</param>
    /// <param name="csvScale">The factor every CSV feature is multiplied by.</param>
    /// <exception cref="DataFormatException">The file is missing or malformed, or a row has the wrong number of features.</exception>
    public static InputRows Load(string path, int featureCount, string? labelColumn, float csvScale)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found.");
        if (IsIdx(path))
        {
            if (labelColumn is not null) throw new UsageException($"--label-column applies to CSV input, but {path} is an IDX file");
            return LoadIdx(path, featureCount);
        }
        using var reader = new StreamReader(OpenContents(path), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            return ReadCsv(reader, path, featureCount, labelColumn, csvScale);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: the gzip compression is corrupt: {e.Message}", e);
        }
    }

    private static Stream OpenContents(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    // An IDX file starts with two zero bytes, which no CSV text does.
    private static bool IsIdx(string path)
    {
        try
        {
            using var contents = OpenContents(path);
            Span<byte> start = stackalloc byte[2];
            return contents.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2 && start[0] == 0 && start[1] == 0;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: the gzip compression is corrupt: {e.Message}", e);
        }
    }

    private static InputRows LoadIdx(string path, int featureCount)
    {
        var images = IdxReader.LoadImages(path);
        int size = images.Rows * images.Columns;
        if (size != featureCount)
        {
            throw new DataFormatException(
                $"{path}: the images are {images.Rows}×{images.Columns} ({size} values each), the model expects {featureCount} features");
        }
        var features = new float[images.Pixels.Length];
        for (int i = 0; i < features.Length; i++) features[i] = images.Pixels[i] / 255f;
        return new InputRows("idx", features, images.Count, null);
    }

    private static InputRows ReadCsv(TextReader reader, string path, int featureCount, string? labelColumn, float scale)
    {
        var features = new List<float>();
        List<int>? labels = labelColumn is null ? null : [];
        int labelIndex = -1;
        int lineNumber = 0, row = 0;
        bool first = true;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split(',');
            if (first)
            {
                first = false;
                bool isHeader = fields.Any(f => f.Trim().Length > 0 && !double.TryParse(f.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                if (labelColumn is not null) labelIndex = ResolveLabelColumn(labelColumn, fields, isHeader, path, lineNumber);
                if (isHeader) continue;
            }
            row++;
            if (labelIndex >= fields.Length)
                throw new DataFormatException($"{path}: row {row} (line {lineNumber}) has {fields.Length} columns, so no label column {labelIndex + 1}.");
            int rowFeatures = labelIndex >= 0 ? fields.Length - 1 : fields.Length;
            if (rowFeatures != featureCount)
            {
                throw new DataFormatException(
                    $"{path}: row {row} (line {lineNumber}) has {rowFeatures} features, the model expects {featureCount}{(labelColumn is null && rowFeatures == featureCount + 1 ? " (is one column a label? drop it with --label-column)" : "")}");
            }
            for (int column = 0; column < fields.Length; column++)
            {
                string field = fields[column].Trim();
                if (column == labelIndex) labels!.Add(ParseLabel(field, path, row, lineNumber, column));
                else features.Add(ParseFeature(field, path, row, lineNumber, column) * scale);
            }
        }
        if (row == 0) throw new DataFormatException($"{path}: no data rows were found ({lineNumber} lines read).");
        return new InputRows("csv", features.ToArray(), row, labels?.ToArray());
    }

    private static int ResolveLabelColumn(string labelColumn, string[] firstFields, bool isHeader, string path, int lineNumber)
    {
        if (int.TryParse(labelColumn, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
        {
            int resolved = index < 0 ? firstFields.Length + index : index;
            return resolved >= 0 && resolved < firstFields.Length ? resolved : throw new DataFormatException(
                $"{path}: --label-column {labelColumn} is outside the {firstFields.Length} columns of line {lineNumber}.");
        }
        if (!isHeader)
            throw new DataFormatException($"{path}: --label-column names a column ('{labelColumn}'), but line {lineNumber} is not a header (all its fields are numbers).");
        var names = firstFields.Select(f => f.Trim().Trim('"')).ToArray();
        int found = Array.IndexOf(names, labelColumn);
        return found >= 0 ? found : throw new DataFormatException(
            $"{path}: line {lineNumber}: there is no column named '{labelColumn}'; the columns are {string.Join(", ", names.Select(n => "'" + n + "'"))}.");
    }

    private static float ParseFeature(string field, string path, int row, int lineNumber, int column)
    {
        if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)) return value;
        string problem = field.Length == 0 ? "the field is empty, not a number" : $"'{field}' is not a finite number";
        throw new DataFormatException($"{path}: row {row} (line {lineNumber}), column {column + 1}: {problem}.");
    }

    private static int ParseLabel(string field, string path, int row, int lineNumber, int column)
    {
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && value >= 0 && value <= int.MaxValue && value == Math.Floor(value))
            return (int)value;
        throw new DataFormatException($"{path}: row {row} (line {lineNumber}), column {column + 1}: label '{field}' is not a non-negative integer.");
    }
}
