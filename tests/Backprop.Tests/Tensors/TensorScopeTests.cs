using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Tests.Tensors;

public class TensorScopeTests
{
    private static (Sequential Model, Sgd Optimizer, Tensor X, int[] Labels) Setup()
    {
        var gen = new Generator(7);
        var model = new Sequential(new Linear(8, 32, gen), new ReLU(), new Linear(32, 4, gen));
        var opt = new Sgd(model.Parameters(), learningRate: 0.1, momentum: 0.9);
        var x = Tensor.Randn([16, 8], gen);
        int[] labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];
        return (model, opt, x, labels);
    }

    private static float[] Train(bool scoped, int steps = 5)
    {
        var (model, opt, x, labels) = Setup();
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            if (scoped)
            {
                using var scope = TensorScope.Begin();
                model.Forward(x).CrossEntropy(labels).Backward();
            }
            else model.Forward(x).CrossEntropy(labels).Backward();
            opt.Step();
        }
        return model.Parameters().SelectMany(p => p.ToFloatArray()).ToArray();
    }

    [Fact]
    public void TrainingInsideScopesGivesBitIdenticalWeights()
    {
        // The scope only changes where buffers come from; any reuse of a live buffer would change the numbers.
        Assert.Equal(Train(scoped: false), Train(scoped: true));
    }

    [Fact]
    public void LeafGradientsOutliveTheScope()
    {
        var (model, _, x, labels) = Setup();
        using (TensorScope.Begin()) model.Forward(x).CrossEntropy(labels).Backward();
        var expected = model.Parameters()[0].Grad!.ToFloatArray();
        // Later scoped work recycles the step's buffers; the gradient kept by the leaf must not change.
        using (TensorScope.Begin())
            for (int i = 0; i < 3; i++) _ = (Tensor.Randn([64, 64], new Generator(1)) * 3.0).Tanh();
        Assert.Equal(expected, model.Parameters()[0].Grad!.ToFloatArray());
    }

    [Fact]
    public void BuffersAreReusedAcrossScopes()
    {
        // The pool is shared by every thread, so a buffer may be read only while its scope is open (other tests
        // running in parallel rent and overwrite it the moment it goes back), and the length is one no other test
        // asks for, so no other thread can take this buffer between the two scopes.
        const int length = 1031;
        Array first;
        using (TensorScope.Begin()) first = Tensor.Zeros(length).Data;
        using (TensorScope.Begin())
        {
            var second = Tensor.Zeros(length).Data;
            Assert.Same(first, second);
            Assert.All((float[])second, v => Assert.Equal(0f, v)); // Zeros from the pool are cleared
        }
    }

    [Fact]
    public void A_scope_after_an_ended_one_returns_only_its_own_buffers()
    {
        // An ended scope's list of buffers is handed on to the next scope: it must arrive empty, or the next scope
        // would return the first one's buffers again, and two later tensors would share one buffer.
        const int length = 1033; // a length no other test asks for
        using (TensorScope.Begin())
            for (int i = 0; i < 5; i++) _ = Tensor.Zeros(length);
        Tensor kept;
        using (var second = TensorScope.Begin())
            kept = second.MoveToOuterScope(Tensor.Zeros(length)); // no outer scope: kept for good
        using (TensorScope.Begin())
        {
            var a = Tensor.Zeros(length);
            var b = Tensor.Zeros(length);
            Assert.NotSame(a.Data, b.Data);
            Assert.NotSame(kept.Data, a.Data);
            Assert.NotSame(kept.Data, b.Data);
        }
        Assert.False(kept.IsScopeEnded);
    }

    [Fact]
    public void ScopesMustEndInReverseOrder()
    {
        var outer = TensorScope.Begin();
        var inner = TensorScope.Begin();
        var e = Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        Assert.Contains("reverse order", e.Message);
        inner.Dispose();
        outer.Dispose();
        Assert.False(TensorScope.IsActive);
    }

    [Fact]
    public void A_value_set_inside_a_scope_by_other_code_survives_its_end()
    {
        var other = new AsyncLocal<string?>();
        using (TensorScope.Begin())
        {
            using (TensorScope.Begin()) Assert.True(TensorScope.IsActive);
            other.Value = "kept";
            Assert.True(TensorScope.IsActive);
        }
        Assert.False(TensorScope.IsActive);
        Assert.Equal("kept", other.Value);
        other.Value = null;
    }

    [Fact]
    public void A_scope_ends_right_while_the_flow_is_suppressed()
    {
        using (ExecutionContext.SuppressFlow())
        {
            using (TensorScope.Begin()) Assert.True(TensorScope.IsActive);
            Assert.False(TensorScope.IsActive);
        }
        Assert.False(TensorScope.IsActive);
    }

    [Fact]
    public void Labels_given_as_an_array_are_copied_even_into_a_scope()
    {
        // The label array of a training loop is refilled for the next batch, maybe before backward: the loss must
        // keep the labels it was given (copied into the scope's pool, which the buffer check covers too).
        var gen = new Generator(5);
        int[] labels = Enumerable.Range(0, 80).Select(i => i % 7).ToArray();
        var logits = Tensor.Randn([80, 7], gen, DType.Float64);
        logits.RequiresGrad = true;
        double[] expected;
        using (TensorScope.Begin())
        {
            logits.CrossEntropy(labels.ToArray()).Backward();
            expected = logits.Grad!.ToDoubleArray();
        }
        logits.ZeroGrad();
        double loss;
        using (TensorScope.Begin())
        {
            var y = logits.CrossEntropy(labels);
            Array.Fill(labels, 3);
            y.Backward();
            loss = y.Item();
        }
        Assert.Equal(expected, logits.Grad!.ToDoubleArray());
        Assert.True(loss > 0);
    }
}
