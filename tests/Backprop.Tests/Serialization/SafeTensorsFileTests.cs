using System.Buffers.Binary;
using System.Text;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Serialization;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Builds a file from the format's definition: u64 LE header length, the header, then the data.</summary>
    private static byte[] HandWritten(string header, byte[] data, bool pad = true)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int length = pad ? (json.Length + 7) / 8 * 8 : json.Length;
        var bytes = new byte[8 + length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, length - json.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + length);
        return bytes;
    }

    private static string Error(byte[] bytes) =>
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Parse(bytes, "model.safetensors")).Message;

    [Fact]
    public void RoundTripThroughAFileKeepsValuesShapesAndMetadata()
    {
        string path = _scratch.File("checkpoint.safetensors");
        SafeTensorsFile.Write(path,
        [
            SafeTensorsEntry.FromFloats("w", [2, 3], [1f, -2.5f, 3e-8f, float.MaxValue, 0f, -0f]),
            SafeTensorsEntry.FromDoubles("scale", [], [Math.PI]),
            SafeTensorsEntry.FromInt32s("counts", [3], [1, -2, int.MaxValue]),
            SafeTensorsEntry.FromInt64s("step", [1], [1L << 40]),
            SafeTensorsEntry.FromBytes("mask", [2, 2], [0, 1, 254, 255]),
            SafeTensorsEntry.FromFloats("empty", [0, 4], []),
        ], new Dictionary<string, string> { ["epoch"] = "3", ["format"] = "pt" });

        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal(new[] { "counts", "empty", "mask", "scale", "step", "w" }, file.Entries.Select(e => e.Name));
        Assert.Equal(new Dictionary<string, string> { ["epoch"] = "3", ["format"] = "pt" }, file.Metadata);
        Assert.Equal(new[] { 1f, -2.5f, 3e-8f, float.MaxValue, 0f, -0f }, file["w"].ToFloatArray());
        Assert.Equal(new[] { 2, 3 }, file["w"].Shape);
        Assert.Equal("F32", file["w"].DType);
        Assert.Equal(new[] { Math.PI }, file["scale"].ToDoubleArray());
        Assert.Empty(file["scale"].Shape);
        Assert.Equal(new[] { 1, -2, int.MaxValue }, file["counts"].ToInt32Array());
        Assert.Equal(new[] { 1L << 40 }, file["step"].ToInt64Array());
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, file["mask"].Data.ToArray());
        Assert.Equal(0, file["empty"].ElementCount);
        Assert.False(file.TryGetEntry("missing", out _));
        Assert.Contains("no tensor named 'missing'", Assert.Throws<KeyNotFoundException>(() => file["missing"]).Message);
    }

    [Fact]
    public void FloatAndDoubleAccessorsConvert()
    {
        SafeTensorsFile file = SafeTensorsFile.Parse(SafeTensorsFile.Serialize(
        [
            SafeTensorsEntry.FromFloats("f", [2], [0.1f, 2f]),
            SafeTensorsEntry.FromDoubles("d", [2], [0.1, 1e300]),
            SafeTensorsEntry.FromInt64s("i", [1], [-7]),
        ]), "memory");
        Assert.Equal(new[] { (double)0.1f, 2.0 }, file["f"].ToDoubleArray());
        Assert.Equal(new[] { 0.1f, float.PositiveInfinity }, file["d"].ToFloatArray());
        Assert.Equal(new[] { -7f }, file["i"].ToFloatArray());
        Assert.Throws<InvalidOperationException>(() => file["f"].ToInt32Array());
    }

    [Fact]
    public void WrittenBytesFollowTheFormatExactly()
    {
        byte[] bytes = SafeTensorsFile.Serialize(
            [SafeTensorsEntry.FromFloats("w", [2], [1f, -2f]), SafeTensorsEntry.FromInt32s("a", [1], [5])],
            new Dictionary<string, string> { ["format"] = "pt" });

        const string expectedJson = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.InRange((int)headerLength - expectedJson.Length, 0, 7);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Equal(expectedJson + new string(' ', (int)headerLength - expectedJson.Length), header);
        // Data: I32 5, then F32 1.0 (0x3F800000) and −2.0 (0xC0000000), little-endian.
        Assert.Equal(new byte[] { 5, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0 }, bytes[(8 + (int)headerLength)..]);
    }

    [Fact]
    public void HandWrittenFileIsReadInHeaderOrder()
    {
        byte[] data = [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0xC0, 0x3F];
        byte[] bytes = HandWritten(
            "{\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}, \"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}",
            data, pad: false);

        SafeTensorsFile file = SafeTensorsFile.Parse(bytes, "hand");
        Assert.Equal(new[] { "b", "a" }, file.Entries.Select(e => e.Name));
        Assert.Empty(file.Metadata);
        Assert.Equal(new[] { 1, -1 }, file["b"].ToInt32Array());
        Assert.Equal(new[] { 1.5f }, file["a"].ToFloatArray());
    }

    [Fact]
    public void HalfPrecisionFormatsAreWidened()
    {
        // F16 0x3C00 = 1.0, 0xC000 = −2.0; BF16 0x3FC0 = 1.5 (the upper half of binary32 0x3FC00000).
        byte[] bytes = HandWritten(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}}",
            [0x00, 0x3C, 0x00, 0xC0, 0xC0, 0x3F]);
        SafeTensorsFile file = SafeTensorsFile.Parse(bytes, "half");
        Assert.Equal(new[] { 1f, -2f }, file["h"].ToFloatArray());
        Assert.Equal(new[] { 1.5 }, file["b"].ToDoubleArray());
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsReported()
    {
        byte[] bytes = HandWritten("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        string message = Error(bytes);
        Assert.Contains("model.safetensors", message);
        Assert.Contains("header length (bytes 0..7) is 1000", message);
        Assert.Contains("has 3 bytes, too few for the 8-byte header length", Error([1, 2, 3]));
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"w\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'w': unknown dtype 'F31'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,12]}}", "data_offsets [0, 12] are out of range")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "begin must not exceed end")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "cover 4 bytes, but dtype F32 with shape [2] needs 8")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "'shape' element 0 is -1")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "'data_offsets' must have 2 numbers")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "'data_offsets' is missing")]
    [InlineData("{\"__metadata__\":{\"epoch\":3}}", "'__metadata__' entry 'epoch' must be a string")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"v\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", "overlap")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", "key 'w' twice")]
    public void CorruptHeadersAreReportedPrecisely(string header, string expected)
    {
        string message = Error(HandWritten(header, new byte[8]));
        Assert.Contains("model.safetensors", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void DuplicateNamesAreRejectedOnWrite()
    {
        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Serialize(
            [SafeTensorsEntry.FromFloats("x", [1], [1f]), SafeTensorsEntry.FromFloats("x", [1], [2f])]));
        Assert.Contains("'x'", error.Message);
    }

    [Fact]
    public void EntryDataMustMatchDtypeAndShape()
    {
        var error = Assert.Throws<ArgumentException>(() => new SafeTensorsEntry("x", "F64", [3], new byte[16]));
        Assert.Contains("needs 24 bytes, but 16 were given", error.Message);
        Assert.Throws<ArgumentException>(() => new SafeTensorsEntry("x", "Q4", [1], new byte[1]));
    }

    [Fact]
    public void FailedWriteLeavesThePreviousFileAndNoTemporaryFile()
    {
        string path = _scratch.File("model.safetensors");
        SafeTensorsFile.Write(path, [SafeTensorsEntry.FromFloats("x", [1], [1f])]);
        byte[] before = File.ReadAllBytes(path);

        // An entry whose enumeration fails midway: nothing must reach the target.
        static IEnumerable<SafeTensorsEntry> Failing()
        {
            yield return SafeTensorsEntry.FromFloats("y", [1], [2f]);
            throw new IOException("simulated");
        }
        Assert.Throws<IOException>(() => SafeTensorsFile.Write(path, Failing()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.Path));
    }
}
