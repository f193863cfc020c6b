using Backprop.Cli.Models;
using Backprop.NN;
using Backprop.Onnx;
using Backprop.Onnx.Protobuf;

namespace Backprop.Tests.Onnx;

/// <summary>
/// Exported MLP, CNN (conv, pooling, batch norm in evaluation mode) and GPT, run by ONNX Runtime on random batches of
/// two sizes other than the traced one (so the batch dimension is really dynamic), against Backprop's own outputs;
/// and what the exporter refuses, with no file left behind.
/// </summary>
public class OnnxExportTests
{
    [Fact]
    public void MlpAgreesWithOnnxRuntimeAtTwoBatchSizes()
    {
        var model = ModelSpec.Parse("mlp:64,32").Build([20], 10, new Generator(1));
        int calls = 0;
        OnnxRuntimeCheck.ExportAndCompare(model, b => Tensor.Normal([b, 20], 0, 1, new Generator((ulong)(100 + calls++))), 4, [1, 7], "mlp");
    }

    [Fact]
    public void Float64MlpWithBatchNormRunsInDoubles()
    {
        var model = ModelSpec.Parse("mlp:16+bn").Build([6], 3, new Generator(27), DType.Float64);
        model.Forward(Tensor.Normal([8, 6], 1, 2, new Generator(28), DType.Float64));
        int calls = 0;
        // Compared at float32's tolerance (the checker's), which shows the double graph is the same computation.
        OnnxRuntimeCheck.ExportAndCompare(model, b => Tensor.Normal([b, 6], 0, 1, new Generator((ulong)(400 + calls++)), DType.Float64), 2, [1, 5], "float64 mlp+bn");
    }

    [Fact]
    public void CnnWithBatchNormAgreesWithOnnxRuntimeAtTwoBatchSizes()
    {
        var model = ModelSpec.Parse("cnn+bn").Build([1, 12, 12], 5, new Generator(2));
        // A few training-mode passes move the running statistics away from 0 and 1, so evaluation mode really uses them.
        for (int i = 0; i < 3; i++) model.Forward(Tensor.Normal([8, 1, 12, 12], 0.5, 2, new Generator((ulong)(10 + i))));
        Assert.Contains(model.StateDict(), e => e.Key.EndsWith("running_mean", StringComparison.Ordinal) && e.Value.ToFloatArray().Any(v => Math.Abs(v) > 1e-3));
        int calls = 0;
        OnnxRuntimeCheck.ExportAndCompare(model, b => Tensor.Normal([b, 1, 12, 12], 0.5, 2, new Generator((ulong)(200 + calls++))), 3, [2, 6], "cnn+bn");

        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "cnn.onnx");
        model.ExportOnnx(path, Tensor.Normal([2, 1, 12, 12], 0, 1, new Generator(20)));
        var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(2, ops.Count(o => o == "Conv"));
        Assert.Equal(2, ops.Count(o => o == "MaxPool"));
        Assert.Equal(2, ops.Count(o => o == "BatchNormalization"));   // one after each conv, the running statistics as inputs
        Assert.Equal(2, ops.Count(o => o == "Gemm"));
    }

    [Fact]
    public void GptAgreesWithOnnxRuntimeAtTwoBatchSizes()
    {
        var model = new Gpt(new GptConfig(VocabularySize: 23, BlockSize: 16, Layers: 2, Heads: 2, Embed: 32), new Generator(3));
        int calls = 0;
        OnnxRuntimeCheck.ExportAndCompare(model, b => Tokens(b, 16, 23, 300 + calls++), 2, [1, 5], "gpt");
    }

    [Fact]
    public void GptNodesAreNamedByTheModulesThatMadeThem()
    {
        var model = new Gpt(new GptConfig(VocabularySize: 11, BlockSize: 8, Layers: 2, Heads: 2, Embed: 16), new Generator(24));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "gpt.onnx");
        model.ExportOnnx(path, Tokens(2, 8, 11, 25));
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        var names = graph.Node.Select(n => n.Name).ToList();
        Assert.Contains(names, n => n.StartsWith("h.1.ln_2/layer_norm/layernormalization_", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("h.0.c_attn/linear/", StringComparison.Ordinal));
        // The model's own forward: the embedding lookup is named by the table it reads, the sum of the embeddings by the model.
        Assert.Contains(names, n => n.StartsWith("wte/embedding/gather_", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("(model)/add/", StringComparison.Ordinal));
        Assert.Equal((int)TensorProto.Types.DataType.Int32, graph.Input.Single().Type.TensorType.ElemType);
        // The tied output projection reads the one initializer wte.weight: no copy of the table.
        Assert.Single(graph.Initializer, t => t.Name == "wte.weight");
        Assert.Equal(model.StateDict().Count, graph.Initializer.Count(t => !t.Name.StartsWith("constant_", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheFileNamesWeightsByTheStateDictAndHasASymbolicBatch()
    {
        var model = ModelSpec.Parse("mlp:8").Build([5], 3, new Generator(4));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "mlp.onnx");
        model.ExportOnnx(path, Tensor.Normal([2, 5], 0, 1, new Generator(5)));
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(OnnxExport.Opset, proto.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(model.StateDict().Select(e => e.Key).Order(), proto.Graph.Initializer.Select(t => t.Name).Order());
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(5, input.Type.TensorType.Shape.Dim[1].DimValue);
        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal("output", output.Name);
        Assert.Equal("batch", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(3, output.Type.TensorType.Shape.Dim[1].DimValue);
        // The weight's bytes are the model's own.
        var weight = proto.Graph.Initializer.Single(t => t.Name == "0.weight");
        Assert.Equal(model.StateDict().Single(e => e.Key == "0.weight").Value.ToFloatArray(),
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weight.RawData.Span).ToArray());
        Assert.True(model.IsTraining, "export gives the model its training mode back");
    }

    [Fact]
    public void AnUnsupportedOperatorNamesItselfAndItsModuleAndWritesNoFile()
    {
        // Sampling: the file could not reproduce Backprop's random stream.
        var model = new Sequential(new Linear(4, 3, new Generator(6)), new Lambda(x => x.Softmax().Multinomial(1).To(DType.Float32)));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(path, Tensor.Normal([2, 4], 0, 1, new Generator(7))));
        Assert.Equal("multinomial", e.Operator);
        Assert.Equal("1", e.ModulePath);
        Assert.Contains("operator 'multinomial' in module 1 cannot be exported: it draws random samples", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ACustomFunctionNamesItsTypeAndModuleAndWritesNoFile()
    {
        var model = new Sequential(new Linear(4, 3, new Generator(27)), new Sequential(new Lambda(x => new Cube().Apply(x)), new Lambda(x => x.Relu())));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(path, Tensor.Normal([2, 4], 0, 1, new Generator(28))));
        Assert.Equal("Cube", e.Operator);
        Assert.Equal("1.0", e.ModulePath);
        Assert.Contains($"operator 'Cube' in module 1.0 cannot be exported: it is the custom Function {typeof(Cube).FullName}", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AOneHotWithInferredClassesIsRefused()
    {
        // numClasses −1 reads the count from the traced indices: a file could not follow other data.
        var model = new Lambda(x => x.OneHot().To(DType.Float32).Sum(1));
        using var dir = new TempDirectory();
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Path.Combine(dir.Path, "m.onnx"), Tokens(3, 4, 6, 29)));
        Assert.Equal("one_hot", e.Operator);
        Assert.Contains("inferred from the indices' values", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AMaskFromTheDataIsExportedAsAComparisonNotAsTheTracedConstant()
    {
        // The mask x.Amax() > 0 has the same shape and, on the traced batches, the same value at B and B + 1; before
        // comparisons were recorded it was baked in as a constant. Here the batch with all negative inputs shows it.
        var model = new Lambda(x => x.MaskedFill(x.Amax().Gt(0), 7));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "m.onnx");
        model.ExportOnnx(path, Tensor.FromArray(new float[] { 1, -1, 2, -2 }, 2, 2));
        var negative = Tensor.FromArray(new float[] { -1, -3, -2, -4, -5, -6 }, 3, 2);
        var (values, _) = OnnxRuntimeCheck.Run(path, ("input", negative));
        Assert.Equal(negative.ToArray<float>(), values);
    }

    private sealed class Cube : Function
    {
        protected internal override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0] * inputs[0] * inputs[0];
        }

        protected internal override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput * 3 * ctx.SavedTensors[0] * ctx.SavedTensors[0]];
    }

    [Fact]
    public void AFailedExportLeavesAnOlderFileAsItWas()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.onnx");
        File.WriteAllText(path, "old");
        var model = new Lambda(x => x.TopK(2, sorted: false).Values);
        Assert.Throws<OnnxExportException>(() => model.ExportOnnx(path, Tensor.Normal([2, 4], 0, 1, new Generator(8))));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AConstantThatDependsOnTheBatchSizeIsRefused()
    {
        // A mean over the batch written by hand multiplies by 1/B: right only at the traced batch size, so the exporter
        // refuses it (Mean itself is exported as ReduceMean, which follows the batch).
        var model = new Sequential(new Linear(4, 3, new Generator(9)), new Lambda(x => x - x.Sum(0, keepDim: true) * (1.0 / x.Shape[0])));
        using var dir = new TempDirectory();
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Path.Combine(dir.Path, "m.onnx"), Tensor.Normal([3, 4], 0, 1, new Generator(10))));
        Assert.Equal("mul", e.Operator);
        Assert.Equal("1", e.ModulePath);
        Assert.Contains("dynamic batch", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AModelWithAFixedBatchSizeIsRefused()
    {
        var model = new Lambda(x => x.Reshape(3, 4).Relu());
        using var dir = new TempDirectory();
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Path.Combine(dir.Path, "m.onnx"), Tensor.Normal([3, 4], 0, 1, new Generator(26))));
        Assert.Contains("works at batch size 3 but fails at 4", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ATwoInputModelExportsBothInputs()
    {
        var model = new TwoInputs();
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "two.onnx");
        model.ExportOnnx(path, Tensor.Normal([2, 3], 0, 1, new Generator(11)), Tensor.Normal([2, 4], 0, 1, new Generator(12)));
        var a = Tensor.Normal([5, 3], 0, 1, new Generator(13));
        var b = Tensor.Normal([5, 4], 0, 1, new Generator(14));
        Tensor expected;
        using (Backprop.Autograd.NoGrad()) expected = model.Forward(a, b);
        OnnxRuntimeCheck.AssertClose(expected, OnnxRuntimeCheck.Run(path, ("input1", a), ("input2", b)), "two inputs");
    }

    [Fact]
    public void MultiheadAttentionExportsWithThreeInputs()
    {
        var model = new MultiheadAttention(8, 2, generator: new Generator(15), isCausal: true);
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "mha.onnx");
        Tensor Seq(ulong seed, int b) => Tensor.Normal([b, 5, 8], 0, 1, new Generator(seed));
        model.ExportOnnx(path, Seq(16, 2), Seq(17, 2), Seq(18, 2));
        var (q, k, v) = (Seq(19, 4), Seq(20, 4), Seq(21, 4));
        Tensor expected;
        using (Backprop.Autograd.NoGrad()) expected = model.Forward(q, k, v);
        OnnxRuntimeCheck.AssertClose(expected, OnnxRuntimeCheck.Run(path, ("input1", q), ("input2", k), ("input3", v)), "multihead attention");
    }

    [Fact]
    public void TheLibrariesReferenceNoOnnxRuntime()
    {
        string root = RepositoryRoot();
        foreach (var project in Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories))
            Assert.DoesNotContain("OnnxRuntime", File.ReadAllText(project), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Microsoft.ML.OnnxRuntime", File.ReadAllText(Path.Combine(root, "tests", "Backprop.Tests", "Backprop.Tests.csproj")));
    }

    internal static Tensor Tokens(int batch, int time, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var values = new int[batch * time];
        for (int i = 0; i < values.Length; i++) values[i] = random.Next(vocabulary);
        return Tensor.FromArray(values, batch, time);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.slnx"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (Backprop.slnx) was not found above the test binaries");
    }

    private sealed class TwoInputs : Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear _a = new(3, 6, new Generator(22));
        private readonly Linear _b = new(4, 6, new Generator(23));

        public TwoInputs()
        {
            RegisterModule("a", _a);
            RegisterModule("b", _b);
        }

        public override Tensor Forward(Tensor x, Tensor y) => ForwardChild(_a, x).Tanh() * ForwardChild(_b, y);
    }
}
