using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Kernel scratch (the GEMM's pack buffers, a convolution sample's buffers) lives in rented sets, so a thread the pool
/// has never seen reuses the buffers an earlier thread grew instead of allocating its own (each test uses a pool of its own, so parallel GEMMs cannot take its set).
/// </summary>
public unsafe class ScratchBufferPoolTests
{
    [Fact]
    public void ASetGrownOnOneThreadIsReusedOnAnotherWithoutAllocating()
    {
        var pool = new ScratchBufferPool(capacity: 4);
        var set = pool.Rent();
        nint grown = (nint)set.Get<float>(0, 100_000);
        pool.Return(set);

        ScratchBuffers? rented = null;
        nint again = 0;
        long allocated = -1;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            rented = pool.Rent();
            again = (nint)rented.Get<float>(0, 100_000);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();

        Assert.Same(set, rented);
        Assert.Equal(grown, again);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ConcurrentRentersGetDistinctSetsAndBuffers()
    {
        var pool = new ScratchBufferPool(capacity: 4);
        var first = pool.Rent();
        var second = pool.Rent();
        Assert.NotSame(first, second);
        Assert.NotEqual((nint)first.Get<double>(1, 64), (nint)second.Get<double>(1, 64));
    }

    [Fact]
    public void BuffersAreAlignedToACacheLineAndGrowWhenAskedForMore()
    {
        var set = new ScratchBuffers();
        nint small = (nint)set.Get<float>(0, 10);
        Assert.Equal(0, small % 64);
        nint large = (nint)set.Get<float>(0, 1_000_000);
        Assert.Equal(0, large % 64);
        Assert.Equal(large, (nint)set.Get<float>(0, 1_000));
    }

    [Fact]
    public void AFullPoolDropsTheExtraSet()
    {
        var pool = new ScratchBufferPool(capacity: 1);
        var (a, b) = (pool.Rent(), pool.Rent());
        pool.Return(a);
        pool.Return(b);
        Assert.Same(a, pool.Rent());
        Assert.NotSame(b, pool.Rent());
    }
}
