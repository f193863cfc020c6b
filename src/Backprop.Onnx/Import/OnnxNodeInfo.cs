namespace Backprop.Onnx;

/// <summary>A node of an imported graph: its op type, its name (or a description when unnamed), and the values it reads and writes.</summary>
/// <param name="OpType">The ONNX op type, such as Gemm or Relu.</param>
/// <param name="Name">The node's name, or "(unnamed, output 'y')".</param>
/// <param name="Inputs">The names of the values it reads (an empty name is an omitted optional input).</param>
/// <param name="Outputs">The names of the values it writes.</param>
public sealed record OnnxNodeInfo(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
