using System.Text;
using System.Text.Json;
using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Player;

/// <summary>
/// The recording as the JSON the player's script reads: nodes (with their rules), the picture's edges (in the
/// order of the SVG's <c>data-edge</c>), the backward steps and, for a solve, its frames. Numbers that are not finite
/// are written as null.
/// </summary>
internal static class RecordingJson
{
    public static string Write(Recording recording, GraphPicture picture, List<int> recordedOf)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("title", recording.Title);
            w.WriteNumber("output", recording.Output);
            w.WriteString("outputName", recording.Nodes[recording.Output].Label);
            w.WriteBoolean("scalar", recording.Nodes.All(n => n.Value.IsScalar));
            w.WriteStartArray("nodes");
            foreach (RecordedNode node in recording.Nodes) WriteNode(w, recording, node);
            w.WriteEndArray();
            var index = picture.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
            w.WriteStartArray("edges");
            foreach (GraphEdge edge in picture.Edges)
            {
                w.WriteStartObject();
                w.WriteNumber("from", recordedOf[index[edge.From]]);
                w.WriteNumber("to", edge.To == "output" ? -1 : recordedOf[index[edge.To]]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("steps");
            foreach (RecordedStep step in recording.Backward) WriteStep(w, step);
            w.WriteEndArray();
            w.WriteStartArray("unused");
            foreach (string name in recording.UnusedInputs) w.WriteStringValue(name);
            w.WriteEndArray();
            if (recording.Solve is { } solve) WriteSolve(w, solve);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNode(Utf8JsonWriter w, Recording recording, RecordedNode node)
    {
        w.WriteStartObject();
        w.WriteNumber("id", node.Id);
        w.WriteString("label", node.Label);
        w.WriteString("op", node.Operator);
        w.WriteString("kind", node.Kind.ToString().ToLowerInvariant());
        if (node.Module is null) w.WriteNull("module");
        else w.WriteString("module", node.Module);
        w.WriteStartArray("inputs");
        foreach (int input in node.Inputs) w.WriteNumberValue(input);
        w.WriteEndArray();
        Tensor(w, "value", node.Value);
        Tensor(w, "grad", node.Gradient);
        if (node.Kind == RecordedNodeKind.Operation && GateRules.Of(node.Operator) is var (words, symbols))
        {
            w.WriteStartObject("rule");
            w.WriteString("words", words);
            w.WriteString("symbols", symbols);
            w.WriteEndObject();
        }
        if (node.Check is { } check)
        {
            w.WriteStartObject("check");
            Number(w, "analytic", check.Analytic);
            Number(w, "numerical", check.Numerical);
            Number(w, "error", check.RelativeError);
            w.WriteBoolean("passed", check.Passed);
            w.WriteEndObject();
        }
        w.WriteString("tip", PlayerSvg.Tooltip(recording, node, output: false));
        w.WriteEndObject();
    }

    private static void WriteStep(Utf8JsonWriter w, RecordedStep step)
    {
        w.WriteStartObject();
        w.WriteNumber("node", step.Node);
        Tensor(w, "upstream", step.Upstream);
        w.WriteStartArray("arrivals");
        foreach (RecordedArrival arrival in step.Arrivals)
        {
            w.WriteStartObject();
            w.WriteNumber("from", arrival.From);
            Tensor(w, "value", arrival.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("inputs");
        foreach (RecordedInputGradient input in step.Inputs)
        {
            w.WriteStartObject();
            w.WriteNumber("id", input.Input);
            if (input.Local is { } local) Number(w, "local", local);
            else w.WriteNull("local");
            Tensor(w, "down", input.Downstream);
            Tensor(w, "before", input.BeforeReduction);
            w.WriteStartArray("axes");
            foreach (int axis in input.ReducedAxes ?? []) w.WriteNumberValue(axis);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteSolve(Utf8JsonWriter w, SolveRecording solve)
    {
        w.WriteStartObject("solve");
        Number(w, "target", solve.Target ?? double.NaN);
        w.WriteString("goal", solve.Goal == SolveGoal.Target ? "target" : "minimum");
        w.WriteString("method", solve.Method);
        Number(w, "lr", solve.LearningRate ?? double.NaN);
        w.WriteString("rule", solve.Rule);
        w.WriteString("outcome", solve.Outcome);
        w.WriteStartArray("varied");
        foreach (string name in solve.Varied) w.WriteStringValue(name);
        w.WriteEndArray();
        w.WriteStartArray("frames");
        foreach (SolveFrame frame in solve.Frames)
        {
            w.WriteStartObject();
            w.WriteNumber("index", frame.Index);
            Numbers(w, "varied", frame.Varied);
            Number(w, "output", frame.Output);
            Number(w, "error", frame.Error ?? double.NaN);
            Numbers(w, "gradient", frame.Gradient);
            if (frame.Hessian is { } hessian)
            {
                w.WriteStartArray("hessian");
                foreach (IReadOnlyList<double> row in hessian)
                {
                    w.WriteStartArray();
                    foreach (double value in row) NumberValue(w, value);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            Numbers(w, "values", frame.Values);
            w.WriteStartArray("grads");
            foreach (double? g in frame.Gradients)
                if (g is { } v && double.IsFinite(v)) w.WriteNumberValue(v);
                else w.WriteNullValue();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Tensor(Utf8JsonWriter w, string name, TensorSnapshot? tensor)
    {
        if (tensor is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteStartArray("shape");
        foreach (int size in tensor.Shape) w.WriteNumberValue(size);
        w.WriteEndArray();
        Numbers(w, "values", tensor.Values);
        w.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (double value in values) NumberValue(w, value);
        w.WriteEndArray();
    }

    private static void NumberValue(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value)) w.WriteNumberValue(value);
        else w.WriteNullValue();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
