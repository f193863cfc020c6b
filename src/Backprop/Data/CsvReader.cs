using System.Globalization;
using System.Text;

namespace Backprop.Data;

/// <summary>
/// Reads numeric CSV files into a <see cref="Dataset"/>: every column is a float feature except one label column
/// of non-negative integers. gzip-compressed files are read transparently (recognised by content).
/// </summary>
/// <remarks>
/// Rules: blank lines are skipped; fields are trimmed of surrounding white space; header names may be quoted with
/// double quotes; data fields are not quoted (numeric data has no separators to protect). Numbers use the invariant
/// culture ('.' as decimal point, exponents allowed); NaN and infinities are rejected so that they cannot silently
/// poison training. A label may be written as an integer or as an integral decimal such as "3.0". Every row must have
/// as many columns as the first line. Errors are <see cref="DataFormatException"/>s naming the source, the 1-based
/// line number and column, and what was found.
/// </remarks>
public static class CsvReader
{
    /// <summary>
    /// The most classes inferred from the labels (the largest label + 1) when <see cref="CsvOptions.NumClasses"/> is not
    /// given; a larger label is an error, since one corrupt field would otherwise size the model and its tables.
    /// </summary>
    public const int MaxInferredClasses = 65_536;

    /// <summary>Reads the CSV file at <paramref name="path"/> (raw or gzip).</summary>
    /// <exception cref="DataFormatException">The file is missing or malformed.</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        return ReadDecompressed(GzipAwareFile.OpenRead(path, out _), path, options);
    }

    /// <summary>
    /// Reads CSV from a stream (raw or gzip, UTF-8) and disposes it; <paramref name="sourceName"/> is used in messages
    /// and as the default name.
    /// </summary>
    /// <exception cref="DataFormatException">The contents are malformed.</exception>
    public static Dataset Read(Stream stream, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadDecompressed(GzipAwareFile.Decompressing(stream, out _), sourceName, options);
    }

    private static Dataset ReadDecompressed(Stream contents, string sourceName, CsvOptions? options)
    {
        using var reader = new StreamReader(contents, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        try
        {
            return Read(reader, sourceName, options);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{sourceName}: the gzip compression is corrupt: {e.Message}", e);
        }
    }

    /// <summary>Reads CSV text; <paramref name="sourceName"/> is used in messages and as the default name.</summary>
    /// <exception cref="DataFormatException">The contents are malformed.</exception>
    public static Dataset Read(TextReader reader, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= new CsvOptions();
        char separator = options.Separator;
        if (options.NumClasses is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.NumClasses, "CsvOptions.NumClasses must be positive.");
        }

        int columnCount = -1;
        int labelColumn = -1;
        int lineNumber = 0;
        var features = new GrowableFloats();
        var labels = new List<int>();
        int maxLabel = -1;

        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.AsSpan().IsWhiteSpace())
            {
                continue;
            }

            if (columnCount < 0)
            {
                columnCount = line.AsSpan().Count(separator) + 1;
                if (columnCount < 2)
                {
                    throw new DataFormatException($"{sourceName}: line {lineNumber} has 1 column; a feature column and a label column are needed (is the separator '{separator}' right?).");
                }
                bool isHeader = options.HasHeader ?? !AllFieldsAreNumbers(line, separator);
                labelColumn = ResolveLabelColumn(line, isHeader, columnCount, lineNumber, sourceName, options);
                if (isHeader)
                {
                    continue;
                }
            }

            int fieldCount = line.AsSpan().Count(separator) + 1;
            if (fieldCount != columnCount)
            {
                throw new DataFormatException($"{sourceName}: line {lineNumber} has {fieldCount} columns, expected {columnCount}.");
            }

            Span<float> row = features.Append(columnCount - 1);
            ReadOnlySpan<char> rest = line;
            int featureIndex = 0;
            for (int column = 0; column < columnCount; column++)
            {
                int end = rest.IndexOf(separator);
                ReadOnlySpan<char> field = (end < 0 ? rest : rest[..end]).Trim();
                rest = end < 0 ? [] : rest[(end + 1)..];
                if (column == labelColumn)
                {
                    int label = ParseLabel(field, lineNumber, column, sourceName);
                    if (options.NumClasses is int numClasses && label >= numClasses)
                    {
                        throw new DataFormatException($"{sourceName}: line {lineNumber}, column {column + 1}: label {label} is not below the given number of classes {numClasses}.");
                    }
                    if (options.NumClasses is null && label >= MaxInferredClasses)
                    {
                        // The class count sizes the model's output layer and per-class tables: a stray big number must not.
                        throw new DataFormatException(
                            $"{sourceName}: line {lineNumber}, column {column + 1}: label {label} would make {(long)label + 1} classes, more than the {MaxInferredClasses} inferred without being told; give the number of classes explicitly if that many are meant.");
                    }
                    labels.Add(label);
                    maxLabel = Math.Max(maxLabel, label);
                }
                else
                {
                    row[featureIndex++] = ParseFeature(field, lineNumber, column, sourceName) * options.FeatureScale;
                }
            }
        }

        if (labels.Count == 0)
        {
            throw new DataFormatException($"{sourceName}: no data rows were found ({lineNumber} lines read).");
        }

        int featureCount = columnCount - 1;
        int[] sampleShape = options.SampleShape ?? [featureCount];
        long shapeSize = 1;
        foreach (int dimension in sampleShape)
        {
            shapeSize *= dimension;
        }
        if (shapeSize != featureCount)
        {
            throw new DataFormatException($"{sourceName}: rows have {featureCount} feature columns, but the sample shape [{string.Join(", ", sampleShape)}] needs {shapeSize}.");
        }

        return new Dataset(options.Name ?? DefaultName(sourceName), features.ToArray(), labels.ToArray(), sampleShape, options.NumClasses ?? maxLabel + 1);
    }

    private static int ResolveLabelColumn(string firstLine, bool isHeader, int columnCount, int lineNumber, string sourceName, CsvOptions options)
    {
        if (options.LabelColumnName is string wanted)
        {
            if (!isHeader)
            {
                throw new DataFormatException($"{sourceName}: the label column was given by name ('{wanted}'), but line {lineNumber} is not a header (all its fields are numbers).");
            }
            string[] names = firstLine.Split(options.Separator).Select(UnquoteName).ToArray();
            int index = Array.IndexOf(names, wanted);
            return index >= 0 ? index : throw new DataFormatException(
                $"{sourceName}: line {lineNumber}: there is no column named '{wanted}'; the columns are {string.Join(", ", names.Select(n => "'" + n + "'"))}.");
        }

        int resolved = options.LabelColumnIndex < 0 ? columnCount + options.LabelColumnIndex : options.LabelColumnIndex;
        return resolved >= 0 && resolved < columnCount ? resolved : throw new DataFormatException(
            $"{sourceName}: label column index {options.LabelColumnIndex} is outside the {columnCount} columns of line {lineNumber}.");
    }

    private static bool AllFieldsAreNumbers(string line, char separator)
    {
        foreach (Range range in line.AsSpan().Split(separator))
        {
            ReadOnlySpan<char> field = line.AsSpan()[range].Trim();
            // An empty field decides nothing: headers can have an unnamed column (pandas' index), data can have a gap.
            if (!field.IsEmpty && !float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }
        return true;
    }

    private static string UnquoteName(string name)
    {
        string trimmed = name.Trim();
        return trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"' ? trimmed[1..^1] : trimmed;
    }

    private static float ParseFeature(ReadOnlySpan<char> field, int lineNumber, int column, string sourceName)
    {
        if (TryParsePlainDecimal(field, out float plain))
        {
            return plain;
        }
        if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value))
        {
            return value;
        }
        string problem = field.IsEmpty ? "the field is empty, not a number" : $"'{field}' is not a finite number";
        throw new DataFormatException($"{sourceName}: line {lineNumber}, column {column + 1}: {problem}.");
    }

    private static readonly double[] PowersOfTen = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// The fast path for the common case "[-]digits[.digits]" with at most 15 digits (e.g. pixel values), about
    /// five times faster than <see cref="float.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out float)"/>.
    /// It gives the same, correctly rounded result: the digits m and 10^k are exact doubles, one double division
    /// m / 10^k is correctly rounded, and rounding that double to float is then correct too, because a double has
    /// more than 2·24 + 2 significand bits (Figueroa's condition for innocuous double rounding).
    /// Anything else (exponents, more digits, odd forms) returns false and goes to the general parser.
    /// </summary>
    private static bool TryParsePlainDecimal(ReadOnlySpan<char> field, out float value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (field.Length > 0 && (field[0] == '-' || field[0] == '+'))
        {
            negative = field[0] == '-';
            i = 1;
        }
        long mantissa = 0;
        int digits = 0;
        int fractionDigits = 0;
        bool seenPoint = false;
        for (; i < field.Length; i++)
        {
            char c = field[i];
            if (c >= '0' && c <= '9')
            {
                if (++digits > 15)
                {
                    return false;
                }
                mantissa = mantissa * 10 + (c - '0');
                if (seenPoint)
                {
                    fractionDigits++;
                }
            }
            else if (c == '.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return false;
            }
        }
        if (digits == 0)
        {
            return false;
        }
        double magnitude = mantissa / PowersOfTen[fractionDigits];
        value = (float)(negative ? -magnitude : magnitude);
        return true;
    }

    private static int ParseLabel(ReadOnlySpan<char> field, int lineNumber, int column, string sourceName)
    {
        if (int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0)
        {
            return label;
        }
        // Tools such as pandas write integer labels as "3.0".
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) &&
            value >= 0 && value <= int.MaxValue && value == Math.Floor(value))
        {
            return (int)value;
        }
        throw new DataFormatException($"{sourceName}: line {lineNumber}, column {column + 1}: label '{field}' is not a non-negative integer.");
    }

    private static string DefaultName(string sourceName)
    {
        string name = Path.GetFileName(sourceName);
        int dot = name.IndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>A float buffer that grows by doubling, so rows can be parsed straight into their final place.</summary>
    private sealed class GrowableFloats
    {
        private float[] _items = new float[1024];
        private int _count;

        public Span<float> Append(int length)
        {
            if (_count + length > _items.Length)
            {
                long capacity = Math.Max((long)_items.Length * 2, (long)_count + length);
                Array.Resize(ref _items, (int)Math.Min(capacity, Array.MaxLength));
            }
            Span<float> slot = _items.AsSpan(_count, length);
            _count += length;
            return slot;
        }

        public float[] ToArray() => _items.AsSpan(0, _count).ToArray();
    }
}
