using Backprop.Onnx;
using Backprop.Onnx.Protobuf;
using Backprop.Tests.Requirements;
using Google.Protobuf;

namespace Backprop.Tests.Onnx;

/// <summary>
/// The gradients of imported graphs against finite differences, for the mappings composed from several Backprop
/// operators (asymmetric and automatic padding, dilation, 3-D and transposed convolution, generic pooling, the losses):
/// conformance models whose inputs are retyped to double, so GradCheck can run them in float64.
/// </summary>
public class OnnxGradientTests
{
    [OnnxConformanceTheory]
    [InlineData("node/test_conv_with_strides_and_asymmetric_padding")]
    [InlineData("node/test_conv_with_autopad_same")]
    [InlineData("node/test_convtranspose_pads")]
    [InlineData("node/test_convtranspose_dilations")]
    [InlineData("node/test_convtranspose_3d")]
    [InlineData("node/test_maxpool_2d_dilations")]
    [InlineData("node/test_maxpool_2d_ceil")]
    [InlineData("node/test_averagepool_2d_precomputed_pads")]
    [InlineData("node/test_layer_normalization_4d_axis1")]
    [InlineData("node/test_instancenorm_example")]
    [InlineData("node/test_sce_mean_weight_ii_3d")]
    [InlineData("node/test_nllloss_NCd1d2_with_weight_reduction_mean")]
    [InlineData("node/test_reduce_prod_keepdims_random")]
    [InlineData("node/test_reduce_log_sum_exp_keepdims_random")]
    [InlineData("node/test_gemm_all_attributes")]
    public void Gradients_match_finite_differences(string id)
    {
        var testCase = OnnxConformance.Find(id);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(testCase.Directory, "model.onnx")));
        foreach (var value in proto.Graph.Input.Concat(proto.Graph.Output))
            if (value.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Float)
                value.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Double;
        var model = OnnxModel.Load(proto.ToByteArray(), id);
        var inputs = OnnxConformance.ReadAll(Path.Combine(testCase.Directory, "test_data_set_0"), "input");

        var result = GradCheck.Check(xs => model.Run(xs)[0], inputs);

        Assert.True(result.Passed, $"{id}: {string.Join("; ", result.Inputs)}");
    }
}
