namespace Backprop.Tests.Tensors;

/// <summary>
/// A tensor used after its TensorScope ended is refused (its buffer went back to the pool and is overwritten by the next
/// scope); Keep, MoveToOuterScope and Run let results escape safely; the current scope follows the async flow.
/// </summary>
public class TensorScopeEscapeTests
{
    // 1,000+ elements: large enough to come from the pool (short buffers are never pooled).
    private const int Length = 1024;

    private static Tensor Leaf()
    {
        var t = Tensor.Full([Length], 1.0);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Scoped work of the same size, so the pool hands the escaped buffer to someone else.</summary>
    private static void OverwriteThePool()
    {
        using (TensorScope.Begin())
            for (int i = 0; i < 4; i++) _ = Tensor.Zeros(Length) + 7.0;
    }

    [Fact]
    public void ReadingAnEscapedTensorThrows()
    {
        var x = Leaf();
        Tensor kept;
        using (TensorScope.Begin()) kept = (x * 3.0).Tanh();
        OverwriteThePool();
        Assert.True(kept.IsScopeEnded);
        var e = Assert.Throws<InvalidOperationException>(() => kept.ToFloatArray());
        Assert.StartsWith("tensor [1024] float32 (the result of 'tanh'): used after the TensorScope it was created in ended", e.Message);
        Assert.Contains("TensorScope.Keep", e.Message);
        Assert.Throws<InvalidOperationException>(() => kept[0]);
        Assert.Throws<InvalidOperationException>(() => kept.Sum());          // an operator on it
        Assert.Throws<InvalidOperationException>(() => kept.Reshape(32, 32).ToFloatArray()); // a view of it
        Assert.Throws<InvalidOperationException>(() => kept.Slice(0, 0, 10));  // a view made by an operator
        Assert.Throws<InvalidOperationException>(() => kept.ToString());
    }

    [Fact]
    public void BackwardAfterTheScopeThrows()
    {
        var x = Leaf();
        Tensor loss;
        using (TensorScope.Begin()) loss = (x * 2.0).Tanh().Sum();
        OverwriteThePool();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        // The engine refuses the stale node before its backward runs, rather than leaving it to the first read of a
        // saved value: the message says where Backward() belongs.
        Assert.StartsWith("backward through 'tanh' (output [1024]): its forward pass ran in a TensorScope that has ended", e.Message);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void KeptTensorsSurviveTheScope()
    {
        var x = Leaf();
        Tensor kept, view;
        using (TensorScope.Begin())
        {
            kept = TensorScope.Keep(x * 3.0);
            view = kept.Reshape(32, 32);
        }
        OverwriteThePool();
        Assert.False(kept.IsScopeEnded);
        Assert.All(kept.ToFloatArray(), v => Assert.Equal(3f, v));
        Assert.All(view.ToFloatArray(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void MoveToOuterScopeLivesAsLongAsTheOuterScope()
    {
        var x = Leaf();
        Tensor moved;
        using (TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin()) moved = inner.MoveToOuterScope(x * 5.0);
            OverwriteThePoolInside();
            Assert.All(moved.ToFloatArray(), v => Assert.Equal(5f, v));
        }
        Assert.True(moved.IsScopeEnded);
        Assert.Throws<InvalidOperationException>(() => moved.ToFloatArray());

        static void OverwriteThePoolInside()
        {
            using (TensorScope.Begin())
                for (int i = 0; i < 4; i++) _ = Tensor.Zeros(Length) + 7.0;
        }
    }

    [Fact]
    public void RunReturnsACopyOutsideEveryScope()
    {
        var x = Leaf();
        var result = TensorScope.Run(() => (x * 2.0).Tanh() * 4.0);
        OverwriteThePool();
        Assert.False(result.IsScopeEnded);
        Assert.Null(result.GradFn); // the copy is detached: the graph's buffers were recycled
        Assert.All(result.ToFloatArray(), v => Assert.Equal((float)(Math.Tanh(2.0f) * 4), v, 5));
    }

    [Fact]
    public Task TheScopeFollowsTheAsyncFlowAcrossThreads()
    {
        // The flow starts on a thread of its own that stays blocked until the flow is done, so the code after the
        // await cannot resume there: it surely runs on another thread. (Started on a pool thread, it could resume on
        // that same idle thread, and a per-thread scope would pass too.) A failure comes back in the returned task.
        Task? flow = null;
        var starter = new Thread(() =>
        {
            flow = ScopeAcrossAnAwait();
            try { flow.Wait(); }
            catch (AggregateException) { }
        });
        starter.Start();
        starter.Join();
        return flow!;
    }

    private static async Task ScopeAcrossAnAwait()
    {
        var scope = TensorScope.Begin();
        int before = Environment.CurrentManagedThreadId;
        Tensor made;
        try
        {
            // Resume on a pool thread: the scope must still be the current one there, and pool what is made there.
            await Task.Delay(20).ConfigureAwait(false);
            Assert.NotEqual(before, Environment.CurrentManagedThreadId);
            Assert.True(TensorScope.IsActive);
            made = Tensor.Zeros(Length) + 1.0;
            // A thread started without this flow's context does not see (and cannot rent into) the scope.
            bool seenElsewhere = true;
            using (ExecutionContext.SuppressFlow())
            {
                var thread = new Thread(() => seenElsewhere = TensorScope.IsActive);
                thread.Start();
                thread.Join();
            }
            Assert.False(seenElsewhere);
        }
        finally
        {
            scope.Dispose(); // on whatever thread the flow is on now: no "reverse order" error
        }
        Assert.False(TensorScope.IsActive);
        Assert.True(made.IsScopeEnded, $"the tensor made after the await (thread {before} → {Environment.CurrentManagedThreadId}) came from the scope");
    }
}
