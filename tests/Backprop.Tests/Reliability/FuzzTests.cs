using System.IO.Compression;
using System.Text;
using Backprop.Data;
using Backprop.NN;
using Backprop.Serialization;
using Backprop.Teaching.Expressions;
using Backprop.Tests.Data;
using CsCheck;

namespace Backprop.Tests.Reliability;

/// <summary>
/// Random and mutated inputs for every reader of untrusted text or bytes: only the documented exceptions, bounded
/// memory and time (see <see cref="Fuzz"/>; set BACKPROP_FUZZ_ITERATIONS for a long run).
/// </summary>
public class FuzzTests
{
    private static readonly string[] Programs =
    [
        "x = 2*w + 3*b\nz = x*x", "y = -x^2 + ln(a) / sqrt(b)", "c = a + b; c = c + c + 1", "max(a, min(b, 2)) ^ -1",
        "z = ((a))", "q = exp(tanh(sigmoid(relu(abs(x)))))", "y = pow(x, 0.5) - 1e-3", "a\n", "# comment\nx = 1 # tail",
    ];

    private static readonly Gen<string> ProgramText = Gen.Frequency(
        (2, Gen.OneOf("xyab0123456789.+-*/^()=,;# \n\te".ToCharArray()).Array[0, 60].Select(c => new string(c))),
        (3, Fuzz.Mutated(Programs.Select(Encoding.UTF8.GetBytes).ToArray()).Select(b => Encoding.UTF8.GetString(b))));

    [Fact]
    public void Program_text_parses_evaluates_and_explains_or_reports_a_documented_error()
    {
        Fuzz.Check(ProgramText, text =>
        {
            ProgramSyntax program = Parser.Parse(text);
            SyntaxPrinter.Print(program);
            var values = ProgramResolver.Resolve(program).Inputs.ToDictionary(name => name, _ => 1.5);
            var evaluated = ProgramEvaluator.Evaluate(program, values);
            ExplainText.Render(ExplainTrace.Run(evaluated));
        }, text => text.ReplaceLineEndings("⏎"), typeof(ExpressionSyntaxException), typeof(ProgramDomainException), typeof(ProgramInputException));
    }

    private static byte[] SafeTensorsSeed() => SafeTensorsFile.Serialize(
    [
        SafeTensorsEntry.FromFloats("w", [2, 3], [1, 2, 3, 4, 5, 6]),
        SafeTensorsEntry.FromInt64s("n", [], [7]),
        SafeTensorsEntry.FromFloats("empty", [0, 4], []),
    ], new Dictionary<string, string> { ["k"] = "v" });

    private static byte[] WithHeader(string json)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    // Headers that lie about sizes: each must be refused, before anything of that size is allocated, by the check meant
    // for it (the message says which), not by a later one that happens to catch it too.
    private static readonly (byte[] Bytes, string Refusal)[] HostileSafeTensors =
    [
        (WithHeader("""{"a":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,16]}}"""), "dimension 0 is 1000000000000, larger than 2147483647"),
        (WithHeader("""{"a":{"dtype":"F64","shape":[1000000,1000000,1000000],"data_offsets":[0,16]}}"""), "cover 16 bytes, but dtype F64 with shape [1000000, 1000000, 1000000] needs 8000000000000000000"),
        (WithHeader("""{"a":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,16]}}"""), "shape [2147483647, 2147483647, 2147483647] is too large"),
        (WithHeader("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,4000000000000]}}"""), "data_offsets [0, 4000000000000] are out of range"),
        (WithHeader("""{"a":{"dtype":"F32","shape":[2147483648],"data_offsets":[0,16]}}"""), "dimension 0 is 2147483648, larger than 2147483647"),
        ([.. BitConverter.GetBytes(1UL << 63), .. "{}"u8], "the header length (bytes 0..7) is 9223372036854775808"),
        ([.. BitConverter.GetBytes(ulong.MaxValue), .. "{}"u8], "the header length (bytes 0..7) is 18446744073709551615"),
        (WithHeader("[" + new string('[', 100_000)), "is not valid JSON"),
    ];

    [Fact]
    public void Safetensors_bytes_parse_or_report_a_format_error()
    {
        var seeds = HostileSafeTensors.Select(h => h.Bytes).Append(SafeTensorsSeed()).ToArray();
        foreach (var (hostile, refusal) in HostileSafeTensors)
            Assert.Contains(refusal, Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Parse(hostile, "hostile")).Message);
        var inputs = Gen.Frequency((1, Gen.Byte.Array[0, 64]), (6, Fuzz.Mutated(seeds)));
        Fuzz.Check(inputs, bytes =>
        {
            var file = SafeTensorsFile.Parse(bytes, "fuzz");
            foreach (var entry in file.Entries)
            {
                if (entry.DType == SafeTensorsDType.F32) entry.ToFloatArray();
            }
        }, Fuzz.Hex, typeof(SafeTensorsFormatException));
    }

    private static readonly string[] MetadataKeys = ["format", "model_spec", "input_shape", "num_classes", "dtype", "epoch", "training_config", "generator_state", "optimizer", Checkpoint.ChecksumKey];

    private static readonly Gen<string> MetadataValue = Gen.Frequency(
        (3, Gen.OneOf("0", "-1", "1", "10", "2147483648", "99999999999999999999", "1e308", "NaN", "", " ", "[]", "[0]", "[-1]", "[3]", "[1,8,8]",
            "[1000000000000]", "[3, 1e9]", "{}", "null", "[", "{\"batch_size\":0}", "{\"epochs\":1e9}", "{\"lr\":-1}", "mlp:30000,30000", "mlp:4+bn",
            "cnn", "linear", "mlp:0", "mlp:4,", "mlp:99999999999", "float16", "float64", "backprop.checkpoint.v1", "zz,zz", "ffffffffffffffff", "Sgd")),
        (1, Gen.OneOf("0123456789[]{},:\"-+.e abcmlp".ToCharArray()).Array[0, 24].Select(c => new string(c))));

    [Fact]
    public void Checkpoint_metadata_loads_or_reports_a_documented_error()
    {
        using var dir = new ScratchDirectory();
        string original = dir.File("original.safetensors");
        var model = ModelSpec.Parse("mlp:4+bn").Build([3], 2, new Generator(1));
        Checkpoint.Save(original, model, new CheckpointMetadata { ModelSpec = "mlp:4+bn", InputShape = [3], NumClasses = 2, TrainingConfigJson = """{"batch_size": 8}""" });
        var file = SafeTensorsFile.Read(original);
        string path = dir.File("fuzz.safetensors");
        byte[] originalBytes = File.ReadAllBytes(original);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(originalBytes, 0);

        // Either the values of chosen keys are replaced (without the checksum), or bytes of the header are edited.
        var valueEdits = Gen.Select(Gen.OneOf(MetadataKeys), MetadataValue, (key, value) => (key, value)).Array[1, 3].Select(changes =>
        {
            var metadata = new Dictionary<string, string>(file.Metadata);
            metadata.Remove(Checkpoint.ChecksumKey); // as a hostile file would, so that the values themselves are tried
            foreach (var (key, value) in changes) metadata[key] = value;
            return SafeTensorsFile.Serialize(file.Entries, metadata);
        });
        var headerEdits = Fuzz.Edits.Select(edits =>
            Fuzz.Apply(originalBytes[..headerEnd], edits.Select(e => e with { Position = 8 + e.Position % (headerEnd - 8) }).ToArray()).Concat(originalBytes[headerEnd..]).ToArray());
        Fuzz.Check(Gen.Frequency((2, valueEdits), (1, headerEdits)), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var checkpoint = Checkpoint.Load(path);
            checkpoint.Model.Forward(Tensor.Zeros([1, .. checkpoint.Metadata.InputShape!]));
        }, bytes => Encoding.UTF8.GetString(bytes, 8, Math.Min(bytes.Length - 8, 600)),
            typeof(SafeTensorsFormatException), typeof(InvalidDataException), typeof(ArgumentException));
    }

    private static byte[] Gzip(byte[] data)
    {
        var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return memory.ToArray();
    }

    [Fact]
    public void Idx_files_load_or_report_a_format_error()
    {
        byte[] labels = IdxFileWriter.Encode(0x00000801, [6], [0, 1, 2, 3, 4, 5]);
        byte[] images = IdxFileWriter.Encode(0x00000803, [2, 3, 3], Enumerable.Range(0, 18).Select(i => (byte)i).ToArray());
        byte[] hugeClaim = IdxFileWriter.Encode(0x00000803, [100000, 10000, 10000], []);
        byte[][] seeds = [labels, images, hugeClaim, Gzip(labels), Gzip(images), Gzip(hugeClaim)];
        using var dir = new ScratchDirectory();
        string path = dir.File("fuzz-idx");
        Fuzz.Check(Gen.Frequency((1, Gen.Byte.Array[0, 40]), (6, Fuzz.Mutated(seeds))), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            try { IdxReader.LoadLabels(path); }
            catch (DataFormatException) { IdxReader.LoadImages(path); }
        }, Fuzz.Hex, typeof(DataFormatException));
    }

    private static readonly string[] CsvSeeds =
    [
        "a,b,label\n1,2,0\n3,4,1\n", "1.5,2e3,3\n-4,0.25,0\n", "\"x\",\"y\"\n1,0\n\n2,1\n", "1;2;0\n", "1,2,3.0\n4,5,1\n",
    ];

    [Fact]
    public void Csv_text_loads_or_reports_a_format_error()
    {
        byte[][] seeds = [.. CsvSeeds.Select(Encoding.UTF8.GetBytes), .. CsvSeeds.Select(s => Gzip(Encoding.UTF8.GetBytes(s)))];
        var bytes = Gen.Frequency((1, Gen.OneOf("0123456789,.-e\n \"a".ToCharArray()).Array[0, 60].Select(c => Encoding.UTF8.GetBytes(c))), (6, Fuzz.Mutated(seeds)));
        Fuzz.Check(bytes, input => CsvReader.Read(new MemoryStream(input), "fuzz.csv"), Fuzz.Hex, typeof(DataFormatException));
    }
}
