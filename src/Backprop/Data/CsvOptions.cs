namespace Backprop.Data;

/// <summary>How <see cref="CsvReader"/> interprets a numeric CSV file. Every property has a usable default.</summary>
public sealed class CsvOptions
{
    /// <summary>
    /// The label column by its header name (needs a header row). When set, <see cref="LabelColumnIndex"/> is ignored.
    /// </summary>
    public string? LabelColumnName { get; init; }

    /// <summary>
    /// The label column by 0-based position; negative counts from the end (−1, the default, is the last column).
    /// </summary>
    public int LabelColumnIndex { get; init; } = -1;

    /// <summary>
    /// Whether the first non-blank line is a header of column names. Null (the default) detects it: the first line
    /// is a header if any of its non-empty fields is not a number.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>The field separator; ',' by default.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>
    /// The number of classes (positive); by default the largest label + 1, at most <see cref="CsvReader.MaxInferredClasses"/>.
    /// When given, every label must be below it.
    /// </summary>
    public int? NumClasses { get; init; }

    /// <summary>The shape of one sample (e.g. [1, 8, 8]); by default [number of feature columns]. Its product must equal that number.</summary>
    public int[]? SampleShape { get; init; }

    /// <summary>Every feature value is multiplied by this as it is read (e.g. 1/16f for the digits' 0..16 pixels); 1 by default.</summary>
    public float FeatureScale { get; init; } = 1f;

    /// <summary>The data set's name; by default the file name without its extensions.</summary>
    public string? Name { get; init; }
}
