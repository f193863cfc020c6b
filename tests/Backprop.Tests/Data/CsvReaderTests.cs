using System.IO.Compression;
using System.Text;
using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class CsvReaderTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Dataset Parse(string text, CsvOptions? options = null) =>
        CsvReader.Read(new StringReader(text), "test.csv", options);

    [Fact]
    public void WithoutHeaderTheLastColumnIsTheLabel()
    {
        Dataset data = Parse("1,2,0\n3.5,-4e-1,2\n\n");
        Assert.Equal("test", data.Name);
        Assert.Equal(2, data.Count);
        Assert.Equal(new[] { 2 }, data.SampleShape);
        Assert.Equal(new[] { 1f, 2f, 3.5f, -0.4f }, data.Features);
        Assert.Equal(new[] { 0, 2 }, data.Labels);
        Assert.Equal(3, data.NumClasses);
    }

    [Fact]
    public void HeaderIsDetectedAndLabelChosenByName()
    {
        Dataset data = Parse("\"y\",a,b\n1,10,20\n0,30,40\n", new CsvOptions { LabelColumnName = "y" });
        Assert.Equal(new[] { 10f, 20f, 30f, 40f }, data.Features);
        Assert.Equal(new[] { 1, 0 }, data.Labels);
    }

    [Fact]
    public void LabelChosenByIndexFromTheStartOrTheEnd()
    {
        const string text = "a,label,b\n1,4,2\n3,5,6\n";
        Dataset byIndex = Parse(text, new CsvOptions { LabelColumnIndex = 1 });
        Dataset fromEnd = Parse(text, new CsvOptions { LabelColumnIndex = -2 });
        Assert.Equal(new[] { 4, 5 }, byIndex.Labels);
        Assert.Equal(new[] { 1f, 2f, 3f, 6f }, byIndex.Features);
        Assert.Equal(byIndex.Labels, fromEnd.Labels);
        Assert.Equal(byIndex.Features, fromEnd.Features);
    }

    [Fact]
    public void BadNumberNamesLineAndColumn()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("h1,h2,h3\n1,2,3\n4,abc,5\n"));
        Assert.Equal("test.csv: line 3, column 2: 'abc' is not a finite number.", error.Message);
    }

    [Fact]
    public void WrongColumnCountNamesLine()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("1,2,3\n1,2,3\n1,2\n"));
        Assert.Contains("line 3 has 2 columns, expected 3", error.Message);
    }

    [Theory]
    [InlineData("1,2,-1\n", "label '-1' is not a non-negative integer")]
    [InlineData("1,2,1.5\n", "label '1.5' is not a non-negative integer")]
    [InlineData("1,NaN,1\n", "'NaN' is not a finite number")]
    [InlineData("1,,1\n", "column 2: the field is empty")]
    public void InvalidValuesAreRejectedWithTheirPosition(string text, string expected)
    {
        var error = Assert.Throws<DataFormatException>(() => Parse(text));
        Assert.Contains("line 1", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void PlainDecimalsParseBitForBitLikeFloatParse()
    {
        // The reader has a fast path for "[-]digits[.digits]"; float.Parse is the reference it must match exactly.
        var generator = new Generator(3);
        var text = new StringBuilder();
        var expected = new List<int>();
        for (int i = 0; i < 20_000; i++)
        {
            var number = new StringBuilder(generator.NextInt(2) == 0 ? "-" : "");
            int digits = 1 + generator.NextInt(15);
            for (int d = 0; d < digits; d++)
            {
                number.Append((char)('0' + generator.NextInt(10)));
            }
            number.Insert(number.Length - digits + generator.NextInt(digits + 1), '.');
            string field = number.ToString().TrimEnd('.');
            text.Append(field).Append(",0\n");
            expected.Add(BitConverter.SingleToInt32Bits(float.Parse(field, System.Globalization.CultureInfo.InvariantCulture)));
        }
        Dataset data = Parse(text.ToString());
        Assert.Equal(expected, data.Features.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void HeaderWithAnUnnamedIndexColumnIsDetected()
    {
        Dataset data = Parse(",x,label\n0,1.5,1\n1,2.5,0\n");
        Assert.Equal(new[] { 0f, 1.5f, 1f, 2.5f }, data.Features);
    }

    [Fact]
    public void IntegralDecimalLabelIsAccepted()
    {
        Assert.Equal(new[] { 3 }, Parse("0.5,3.0\n").Labels);
    }

    [Fact]
    public void UnknownLabelNameListsTheColumns()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("a,b\n1,2\n", new CsvOptions { LabelColumnName = "class" }));
        Assert.Contains("no column named 'class'", error.Message);
        Assert.Contains("'a', 'b'", error.Message);
    }

    [Fact]
    public void LabelNameNeedsAHeader()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("1,2\n", new CsvOptions { LabelColumnName = "y" }));
        Assert.Contains("not a header", error.Message);
    }

    [Fact]
    public void GivenNumberOfClassesBoundsLabelsAndSampleShapeIsApplied()
    {
        Dataset data = Parse("1,2,3,4,1\n", new CsvOptions { NumClasses = 5, SampleShape = [1, 2, 2], FeatureScale = 0.5f, Name = "n" });
        Assert.Equal(5, data.NumClasses);
        Assert.Equal(new[] { 1, 2, 2 }, data.SampleShape);
        Assert.Equal(new[] { 0.5f, 1f, 1.5f, 2f }, data.Features);

        var error = Assert.Throws<DataFormatException>(() => Parse("1,2,7\n", new CsvOptions { NumClasses = 5 }));
        Assert.Contains("line 1, column 3: label 7 is not below the given number of classes 5", error.Message);
    }

    [Fact]
    public void GzipFileIsReadTransparently()
    {
        string path = _scratch.File("points.csv.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("x,y,label\n0.25,0.75,1\n-1,1,0\n"));
        }
        Dataset data = CsvReader.Load(path);
        Assert.Equal("points", data.Name);
        Assert.Equal(new[] { 0.25f, 0.75f, -1f, 1f }, data.Features);
        Assert.Equal(new[] { 1, 0 }, data.Labels);
    }

    [Fact]
    public void MissingFileSaysSo()
    {
        string path = _scratch.File("absent.csv");
        var error = Assert.Throws<DataFormatException>(() => CsvReader.Load(path));
        Assert.Contains($"{path}: file not found", error.Message);
    }

    [Fact]
    public void HeaderOnlyFileHasNoDataRows()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("a,b\n"));
        Assert.Contains("no data rows", error.Message);
    }
}
