using Backprop.NN;
using Backprop.Onnx.Protobuf;
using Backprop.Serialization;
using Google.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// Writes a model as an ONNX file (opset 17) by tracing its forward pass on sample inputs: every operator the pass
/// records becomes one or a few ONNX nodes, parameters and buffers become initializers named by the state dict
/// (<c>0.weight</c>, <c>h.0.c_attn.weight</c>), the inputs are <c>input</c> (or <c>input1</c>, <c>input2</c>, ...) and the
/// result is <c>output</c>. Axis 0 of every input is the batch, a symbolic dimension <c>batch</c> in the file.
/// </summary>
/// <remarks>
/// The model runs in evaluation mode while it is traced (dropout off, batch norm on its running statistics) and gets
/// its own modes back afterwards. It is traced twice, at the sample's batch size B and at B + 1: a dimension that
/// differs between the two passes depends on the batch and is written as such (Reshape targets get −1 there), and any
/// other difference (a constant such as a mean's 1/N over the batch, a changed graph) is an
/// <see cref="OnnxExportException"/> naming the operator and module, rather than a file that is right only at B.
/// The model is built in memory first and written with <see cref="AtomicFile"/>, so an error leaves no partial file.
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the exporter writes.</summary>
    public const int Opset = 17;

    /// <summary>Traces <paramref name="model"/> on <paramref name="sampleInput"/> (batch first) and writes it to <paramref name="path"/>.</summary>
    /// <exception cref="OnnxExportException">An operator that ONNX cannot express, or a graph that depends on the batch size.</exception>
    public static void ExportOnnx(this Module<Tensor, Tensor> model, string path, Tensor sampleInput)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleInput);
        Write(model, path, [sampleInput], ["input"], xs => model.Forward(xs[0]));
    }

    /// <summary>Traces a two-input model (inputs <c>input1</c>, <c>input2</c>, batch first) and writes it to <paramref name="path"/>.</summary>
    /// <exception cref="OnnxExportException">An operator that ONNX cannot express, or a graph that depends on the batch size.</exception>
    public static void ExportOnnx(this Module<Tensor, Tensor, Tensor> model, string path, Tensor sampleInput1, Tensor sampleInput2)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(model, path, [sampleInput1, sampleInput2], ["input1", "input2"], xs => model.Forward(xs[0], xs[1]));
    }

    /// <summary>Traces a three-input model (inputs <c>input1</c> to <c>input3</c>, batch first) and writes it to <paramref name="path"/>.</summary>
    /// <exception cref="OnnxExportException">An operator that ONNX cannot express, or a graph that depends on the batch size.</exception>
    public static void ExportOnnx(this Module<Tensor, Tensor, Tensor, Tensor> model, string path, Tensor sampleInput1, Tensor sampleInput2, Tensor sampleInput3)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(model, path, [sampleInput1, sampleInput2, sampleInput3], ["input1", "input2", "input3"], xs => model.Forward(xs[0], xs[1], xs[2]));
    }

    /// <summary>The ONNX model of a traced forward pass, without writing it (what <c>ExportOnnx</c> writes).</summary>
    internal static ModelProto Build(Module model, Tensor[] samples, string[] inputNames, Func<Tensor[], Tensor> forward)
    {
        foreach (var s in samples)
        {
            ArgumentNullException.ThrowIfNull(s);
            if (s.Rank == 0)
                throw new ArgumentException("onnx export: a sample input must have a batch axis (axis 0); got a 0-d tensor");
        }
        var modes = TrainingModes(model);
        model.Eval();
        try
        {
            var grown = Grow(samples);
            var first = Run(forward, samples);
            Trace second;
            try
            {
                second = Run(forward, grown);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // The model itself refuses another batch size (a batch fixed in its code): no dynamic batch to write.
                throw new OnnxExportException("forward", "(model)",
                    $"onnx export: the model's forward pass works at batch size {samples[0].ShapeArray[0]} but fails at {grown[0].ShapeArray[0]}, " +
                    $"so it cannot be exported with a dynamic batch: {e.Message}");
            }
            var weights = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, tensor) in model.StateDict()) weights.TryAdd(tensor, name);

            var graph = new GraphWriter(first, second, inputNames, weights, withWeightData: true).Write();
            var check = new GraphWriter(second, first, inputNames, weights, withWeightData: false).Write();
            GraphWriter.RequireSame(graph, check);

            var proto = new ModelProto
            {
                IrVersion = 8,
                ProducerName = "Backprop",
                ProducerVersion = typeof(Tensor).Assembly.GetName().Version?.ToString(3) ?? "",
                Graph = graph.Graph,
            };
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            return proto;
        }
        finally
        {
            foreach (var (m, training) in modes) m.Train(training);
        }
    }

    private static void Write(Module model, string path, Tensor[] samples, string[] inputNames, Func<Tensor[], Tensor> forward)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var proto = Build(model, samples, inputNames, forward);
        // Built completely before the file is touched, then written through a temporary neighbour and renamed.
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    private static Trace Run(Func<Tensor[], Tensor> forward, Tensor[] inputs)
    {
        Tensor output;
        using (Tracing.Begin())
            output = forward(inputs) ?? throw new InvalidOperationException("onnx export: the forward pass returned null");
        return new Trace(inputs, output);
    }

    // The samples with their first row repeated once more: batch B + 1, the second pass that tells the batch-dependent
    // dimensions (and constants) from the fixed ones.
    private static Tensor[] Grow(Tensor[] samples)
    {
        using (Autograd.NoGrad())
            return Array.ConvertAll(samples, s => Tensor.Concat([s.Detach(), s.Detach().Narrow(0, 0, 1)], 0));
    }

    // Each module's own mode in pre-order: restoring them in that order undoes Eval() exactly, whatever mix the model had.
    private static List<(Module Module, bool Training)> TrainingModes(Module root)
    {
        var modes = new List<(Module, bool)>();
        Collect(root);
        return modes;

        void Collect(Module m)
        {
            modes.Add((m, m.IsTraining));
            foreach (var (_, child) in m.Children) Collect(child);
        }
    }
}

/// <summary>One traced forward pass: the inputs it was given and the output it recorded.</summary>
internal sealed record Trace(Tensor[] Inputs, Tensor Output);
