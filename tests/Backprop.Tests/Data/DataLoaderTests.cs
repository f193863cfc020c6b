using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class DataLoaderTests
{
    /// <summary>n samples of shape [3]: sample i is (i, i + 0.5, −i), label i mod 4.</summary>
    private static Dataset Numbered(int n)
    {
        var features = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            (features[3 * i], features[3 * i + 1], features[3 * i + 2]) = (i, i + 0.5f, -i);
        }
        return new Dataset("numbered", features, Enumerable.Range(0, n).Select(i => i % 4).ToArray(), [3], 4);
    }

    /// <summary>One epoch as (indices, features, labels) per batch, cloned so that buffer reuse cannot hide errors.</summary>
    private static List<Batch> Epoch(DataLoader loader) => loader.Select(batch => batch.Clone()).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EverySampleExactlyOncePerEpochWithMatchingContents(bool prefetch)
    {
        Dataset data = Numbered(23);
        var loader = new DataLoader(data, batchSize: 5, shuffle: new Generator(1), prefetch: prefetch);
        List<Batch> batches = Epoch(loader);

        Assert.Equal(5, loader.BatchesPerEpoch);
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 23), batches.SelectMany(b => b.Indices).Order());
        foreach (Batch batch in batches)
        {
            Assert.Equal(batch.Count * 3, batch.Features.Length);
            Assert.Equal(new[] { batch.Count, 3 }, batch.Shape);
            for (int b = 0; b < batch.Count; b++)
            {
                int row = batch.Indices[b];
                Assert.Equal(data.GetSample(row).ToArray(), batch.Features[(3 * b)..(3 * b + 3)]);
                Assert.Equal(data.Labels[row], batch.Labels[b]);
            }
        }
    }

    [Fact]
    public void WithoutGeneratorTheOrderIsTheDatasetOrder()
    {
        var loader = new DataLoader(Numbered(7), batchSize: 3);
        Assert.Equal(Enumerable.Range(0, 7), Epoch(loader).SelectMany(b => b.Indices));
    }

    [Fact]
    public void OrderIsReproducibleFromTheSeedAndChangesEachEpoch()
    {
        Dataset data = Numbered(50);
        var first = new DataLoader(data, 8, shuffle: new Generator(42));
        var second = new DataLoader(data, 8, shuffle: new Generator(42));
        int[] epoch1 = Epoch(first).SelectMany(b => b.Indices).ToArray();
        int[] epoch2 = Epoch(first).SelectMany(b => b.Indices).ToArray();

        Assert.Equal(epoch1, Epoch(second).SelectMany(b => b.Indices));
        Assert.NotEqual(epoch1, epoch2);
        Assert.NotEqual(Enumerable.Range(0, 50), epoch1);
    }

    [Fact]
    public void RestoringTheGeneratorStateReproducesTheNextEpoch()
    {
        Dataset data = Numbered(40);
        var generator = new Generator(3);
        var loader = new DataLoader(data, 16, shuffle: generator);
        Epoch(loader);
        ulong[] checkpoint = generator.GetState();
        int[] expected = Epoch(loader).SelectMany(b => b.Indices).ToArray();

        var resumed = new DataLoader(data, 16, shuffle: Generator.FromState(checkpoint));
        Assert.Equal(expected, Epoch(resumed).SelectMany(b => b.Indices));
    }

    [Fact]
    public void PrefetchYieldsTheSameBatchesAsSequential()
    {
        Dataset data = Numbered(101);
        List<Batch> sequential = Epoch(new DataLoader(data, 10, shuffle: new Generator(9)));
        List<Batch> prefetched = Epoch(new DataLoader(data, 10, shuffle: new Generator(9), prefetch: true));
        Assert.Equal(sequential.Count, prefetched.Count);
        for (int i = 0; i < sequential.Count; i++)
        {
            Assert.Equal(sequential[i].Indices, prefetched[i].Indices);
            Assert.Equal(sequential[i].Features, prefetched[i].Features);
            Assert.Equal(sequential[i].Labels, prefetched[i].Labels);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DropLastLeavesOutTheSmallBatch(bool prefetch)
    {
        var loader = new DataLoader(Numbered(23), 5, shuffle: new Generator(4), dropLast: true, prefetch: prefetch);
        List<Batch> batches = Epoch(loader);
        Assert.Equal((4, 20), (loader.BatchesPerEpoch, loader.SamplesPerEpoch));
        Assert.All(batches, b => Assert.Equal(5, b.Count));
        Assert.Equal(20, batches.SelectMany(b => b.Indices).Distinct().Count());
    }

    [Fact]
    public void SequentialEpochReusesTheFullBatchBuffer()
    {
        float[][] arrays = new DataLoader(Numbered(12), 4).Select(batch => batch.Features).ToArray();
        Assert.Same(arrays[0], arrays[1]);
        Assert.Same(arrays[1], arrays[2]);
    }

    [Fact]
    public void PrefetchNeverOverwritesTheCurrentBatch()
    {
        Dataset data = Numbered(64);
        using IEnumerator<Batch> batches = new DataLoader(data, 4, shuffle: new Generator(6), prefetch: true).GetEnumerator();
        while (batches.MoveNext())
        {
            Batch current = batches.Current;
            int[] indices = (int[])current.Indices.Clone();
            Thread.Sleep(1); // give the worker time to (wrongly) overwrite it
            Assert.Equal(indices, current.Indices);
            for (int b = 0; b < current.Count; b++)
            {
                Assert.Equal(indices[b], current.Features[3 * b]);
            }
        }
    }

    [Fact]
    public void WorkerExceptionIsRethrownFromMoveNext()
    {
        var loader = new DataLoader(Numbered(20), 5, prefetch: true)
        {
            OnFillingBatch = k => { if (k == 2) throw new InvalidOperationException("disk on fire"); },
        };
        using IEnumerator<Batch> batches = loader.GetEnumerator();
        Assert.True(batches.MoveNext());
        Assert.True(batches.MoveNext());
        var error = Assert.Throws<InvalidOperationException>(() => batches.MoveNext());
        Assert.Equal("disk on fire", error.Message);
        Assert.False(batches.MoveNext());
    }

    [Fact]
    public void BreakingOutOfAPrefetchingEpochStopsTheWorker()
    {
        var loader = new DataLoader(Numbered(1000), 10, prefetch: true);
        foreach (Batch batch in loader)
        {
            break;
        }
        // A second full epoch after the abandoned one still works.
        Assert.Equal(1000, Epoch(loader).Sum(b => b.Count));
    }

    [Fact]
    public void EmptyDatasetYieldsNoBatches()
    {
        var empty = new Dataset("empty", [], [], [3], 2);
        Assert.Empty(Epoch(new DataLoader(empty, 4, prefetch: true)));
        Assert.Empty(Epoch(new DataLoader(empty, 4)));
    }
}
