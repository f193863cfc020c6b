using Backprop.NN;

namespace Backprop.Tests.NN;

public class ModuleTests
{
    private static Sequential Model(ulong seed) => new(
        new Linear(4, 8, new Generator(seed)), new ReLU(), new BatchNorm1d(8), new Linear(8, 3, new Generator(seed + 1)));

    [Fact]
    public void Names_follow_pytorch_state_dict()
    {
        var model = Model(1);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked", "3.weight", "3.bias"],
            model.StateDict().Select(p => p.Key));
        Assert.Equal(4 * 8 + 8 + 8 + 8 + 8 * 3 + 3, model.ParameterCount);
        Assert.Equal(6, model.Parameters().Count);
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void State_dict_round_trip_gives_identical_outputs()
    {
        var a = Model(1);
        var b = Model(10);
        var x = Tensor.Normal([5, 4], 0, 1, new Generator(3));
        a.Forward(x); // moves a's running statistics
        a.Eval();
        b.Eval();
        Assert.NotEqual(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        b.LoadStateDict(a.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone()));
        Assert.Equal(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
    }

    [Fact]
    public void Load_state_dict_names_missing_and_mismatched_entries()
    {
        var model = Model(1);
        var state = model.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        state["3.weight"] = Tensor.Zeros(3, 9);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state, "checkpoint 'x.safetensors'"));
        Assert.Equal("checkpoint 'x.safetensors': 3.weight has shape [3, 9], the model expects [3, 8]", e.Message);
        state.Remove("3.weight");
        e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("missing entry 3.weight", e.Message);
        Assert.Contains("[3, 8]", e.Message);
        state["3.weight"] = Tensor.Zeros(3, 8);
        state["4.weight"] = Tensor.Zeros(1);
        e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("unexpected entry 4.weight", e.Message);
    }

    [Fact]
    public void Load_state_dict_refuses_integer_values_for_float_weights()
    {
        // An I32 entry in a checkpoint used to load into float weights silently (values converted as integers).
        var model = Model(1);
        var state = model.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        state["0.bias"] = Tensor.FromArray(new int[8], 8);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state, "checkpoint 'x.safetensors'"));
        Assert.Equal("checkpoint 'x.safetensors': 0.bias has dtype int32, the model expects float32", e.Message);
        state["0.bias"] = Tensor.Zeros([8], DType.Float64); // float64 into float32 converts, as PyTorch's copy_
        model.LoadStateDict(state);
        Assert.All(model.StateDict().Single(p => p.Key == "0.bias").Value.ToFloatArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Train_and_eval_propagate_and_zero_grad_keeps_buffers()
    {
        var model = Model(1);
        model.Eval();
        Assert.All(model.Layers, l => Assert.False(l.IsTraining));
        model.Train();
        Assert.All(model.Layers, l => Assert.True(l.IsTraining));
        var x = Tensor.Normal([6, 4], 0, 1, new Generator(2));
        model.Forward(x).Sum().Backward();
        var grad = model.Parameters()[0].Grad!;
        model.ZeroGrad();
        Assert.Same(grad, model.Parameters()[0].Grad);
        Assert.All(grad.ToFloatArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Summary_lists_layers_shapes_and_total()
    {
        var model = ModelSpec.Parse("cnn").Build([1, 28, 28], 10, new Generator(1));
        var text = model.Summary([1, 28, 28]);
        Assert.Contains("[-1, 32, 28, 28]", text);
        Assert.Contains("[-1, 3136]", text);
        Assert.Contains("[-1, 10]", text);
        // 320 + 18,496 + 401,536 + 1,290 (as PyTorch counts this model)
        Assert.Contains("421,642", text);
        Assert.True(model.IsTraining); // the summary restores the mode
    }
}
