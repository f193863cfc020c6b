using Backprop.Onnx;
using Backprop.Onnx.Protobuf;
using Google.Protobuf;

namespace Backprop.Tests.Onnx;

/// <summary>Loading hostile or malformed files, and what an imported graph is as a module.</summary>
public class OnnxImportTests
{
    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    // y = relu(x · w + b) with w [3, 2] and b [2] as initializers.
    private static ModelProto Model(params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(Value("x", 4, 3));
        graph.Output.Add(Value("y", 4, 2));
        graph.Initializer.Add(OnnxTensors.ToProto(Tensor.FromArray(new float[] { 1, -1, 2, 0.5f, -1, 1 }, 3, 2), "layer.w"));
        graph.Initializer.Add(OnnxTensors.ToProto(Tensor.FromArray(new float[] { 0.1f, -0.2f }, 2), "layer.b"));
        graph.Node.AddRange(nodes.Length > 0 ? nodes :
        [
            Node("MatMul", "mm", ["x", "layer.w"], ["xw"]),
            Node("Add", "add", ["xw", "layer.b"], ["z"]),
            Node("Relu", "relu", ["z"], ["y"]),
        ]);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private static T LoadFails<T>(byte[] bytes) where T : Exception => Assert.Throws<T>(() => OnnxModel.Load(bytes, "m.onnx"));

    [Fact]
    public void A_graph_runs_forward_and_backward_into_its_initializers()
    {
        var model = OnnxModel.Load(Model().ToByteArray(), "m.onnx");
        Assert.Equal(["layer.w", "layer.b"], model.NamedParameters().Select(p => p.Key));
        var x = Tensor.FromArray(new float[] { 1, 2, 3, -1, 0, 1, 2, 2, 2, 0, 0, 0 }, 4, 3);
        var y = model.Run(x)[0];
        var reference = (x.MatMul(model.Parameters()[0].Detach()) + model.Parameters()[1].Detach()).Relu();
        Assert.Equal(reference.ToArray<float>(), y.ToArray<float>());
        y.Sum().Backward();
        var expectedGradB = (reference.Gt(0).To(DType.Float32)).Sum(0);
        Assert.Equal(expectedGradB.ToArray<float>(), model.Parameters()[1].Grad!.ToArray<float>());
    }

    [Fact]
    public void Nodes_listed_out_of_order_are_sorted()
    {
        var model = OnnxModel.Load(Model(
            Node("Relu", "relu", ["z"], ["y"]),
            Node("Add", "add", ["xw", "layer.b"], ["z"]),
            Node("MatMul", "mm", ["x", "layer.w"], ["xw"])).ToByteArray(), "m.onnx");
        Assert.Equal(["MatMul", "Add", "Relu"], model.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void A_truncated_file_is_one_clear_error()
    {
        var bytes = Model().ToByteArray();
        var e = LoadFails<InvalidDataException>(bytes[..(bytes.Length / 2)]);
        Assert.Contains("m.onnx is not a valid ONNX model", e.Message);
    }

    [Fact]
    public void Corrupt_bytes_are_one_clear_error()
    {
        var bytes = Model().ToByteArray();
        for (int i = 0; i < bytes.Length; i += 7) bytes[i] ^= 0x5A;
        var e = Assert.ThrowsAny<Exception>(() => OnnxModel.Load(bytes, "m.onnx"));
        Assert.True(e is InvalidDataException or NotSupportedException, e.ToString());
        Assert.StartsWith("onnx: ", e.Message);
    }

    [Fact]
    public void An_initializer_declaring_more_than_the_file_holds_is_refused_before_allocating()
    {
        var model = Model();
        // 2^31 − 1 floats declared, 24 bytes present: the size check comes before any allocation of that size.
        model.Graph.Initializer[0].Dims.Clear();
        model.Graph.Initializer[0].Dims.Add(int.MaxValue);
        var e = LoadFails<InvalidDataException>(model.ToByteArray());
        Assert.Contains("tensor 'layer.w' has 24 bytes of data; its dims need", e.Message);
    }

    [Fact]
    public void A_length_prefix_beyond_the_end_of_the_file_is_refused()
    {
        // A field claiming 2 GB of raw data in a file of a few bytes.
        byte[] bytes = [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01];
        Assert.Contains("not a valid ONNX model", LoadFails<InvalidDataException>(bytes).Message);
    }

    [Fact]
    public void An_unknown_op_type_names_the_node_and_op()
    {
        var e = LoadFails<NotSupportedException>(Model(Node("FancyOp", "mystery", ["x"], ["y"])).ToByteArray());
        Assert.Contains("node 'mystery' has op type FancyOp, which Backprop does not implement", e.Message);
    }

    [Fact]
    public void A_cycle_is_one_clear_error()
    {
        var e = LoadFails<InvalidDataException>(Model(
            Node("Relu", "a", ["b_out"], ["a_out"]),
            Node("Relu", "b", ["a_out"], ["b_out"]),
            Node("Identity", "out", ["x"], ["y"])).ToByteArray());
        Assert.Contains("the graph has a cycle through node 'a' (Relu)", e.Message);
    }

    [Fact]
    public void A_missing_input_names_the_node_and_the_value()
    {
        var e = LoadFails<InvalidDataException>(Model(Node("Add", "add", ["x", "nowhere"], ["y"])).ToByteArray());
        Assert.Contains("node 'add' (Add) reads 'nowhere', which no graph input, initializer or node defines", e.Message);
    }

    [Fact]
    public void A_wrong_attribute_names_the_node_and_what_was_expected()
    {
        var node = Node("Softmax", "soft", ["x"], ["y"]);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 5 });
        var model = OnnxModel.Load(Model(node).ToByteArray(), "m.onnx");
        var e = Assert.Throws<InvalidDataException>(() => model.Run(Tensor.Zeros(4, 3)));
        Assert.Equal("onnx: node 'soft' (Softmax): axis 5 is out of range for a tensor of rank 2", e.Message);
    }

    [Fact]
    public void An_input_of_the_wrong_shape_is_named()
    {
        var model = OnnxModel.Load(Model().ToByteArray(), "m.onnx");
        var e = Assert.Throws<ArgumentException>(() => model.Run(Tensor.Zeros(4, 5)));
        Assert.Equal("onnx: the input 'x' is declared [4, 3], got [4, 5]", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => OnnxModel.Load("/nonexistent/model.onnx"));
        Assert.Contains("/nonexistent/model.onnx", e.Message);
    }

    [Fact]
    public void Int64_slice_bounds_beyond_int32_mean_to_the_end()
    {
        var graph = new GraphProto();
        graph.Input.Add(Value("x", 2, 5));
        graph.Output.Add(Value("y"));
        graph.Initializer.Add(OnnxTensors.ToInt64Proto([1], "starts", 1));
        graph.Initializer.Add(OnnxTensors.ToInt64Proto([long.MaxValue], "ends", 1));
        graph.Initializer.Add(OnnxTensors.ToInt64Proto([1], "axes", 1));
        graph.Node.Add(Node("Slice", "slice", ["x", "starts", "ends", "axes"], ["y"]));
        var proto = new ModelProto { IrVersion = 8, Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        var y = OnnxModel.Load(proto.ToByteArray(), "m.onnx").Run(Tensor.Arange(10).Reshape(2, 5))[0];
        Assert.Equal([2, 4], y.Shape.ToArray());
        Assert.Equal([1f, 2, 3, 4, 6, 7, 8, 9], y.ToArray<float>());
    }
}
