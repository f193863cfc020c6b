using Backprop.Cli.Training;
using Backprop.Training;

namespace Backprop.Tests.Cli;

// The progress bar must fit the terminal: a line as wide as the window (or wider) wraps, and every redraw then
// leaves the wrapped part behind as a stale line. Off a terminal there is no bar, one line per epoch.
public class ProgressReporterTests
{
    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(200)]
    public void EveryDrawFitsTheWidth(int columns)
    {
        var error = new StringWriter();
        var reporter = new ProgressReporter(error, terminal: true, () => columns);
        RunEpochs(reporter, epochs: 2, batches: 1500);
        string text = error.ToString();
        Assert.Contains('\r', text);
        foreach (string line in text.Split('\n'))
            foreach (string draw in line.Split('\r'))
                Assert.True(draw.Length < columns || draw.StartsWith("epoch 1/2  train loss") || draw.StartsWith("epoch 2/2  train loss"),
                    $"{draw.Length} characters on a {columns}-column terminal: '{draw}'");
        Assert.Contains("epoch 2/2  train loss", text);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    public void TheBarKeepsItsFieldsWhenThereIsRoom(int columns)
    {
        string bar = ProgressReporter.Bar(columns, 3, 40, 120, 1688, 0.1234, 0.9876, 45210, 12);
        Assert.True(bar.Length <= columns - 1, bar);
        Assert.StartsWith("epoch 3/40 ", bar);
        Assert.Contains("120/1688", bar);
        Assert.Contains("loss 0.1234", bar);
        if (columns >= 80) Assert.Contains("12s left", bar);
    }

    [Fact]
    public void ANarrowedWindowIsNotPaddedPastItsWidth()
    {
        int columns = 120;
        var error = new StringWriter();
        var reporter = new ProgressReporter(error, terminal: true, () => columns);
        reporter.EpochStarted(1, 1, 100, 0);
        reporter.BatchFinished(100, 3200, 0.5, 0.5); // the last batch is always drawn
        int mark = error.ToString().Length;
        columns = 40;
        reporter.EpochStarted(1, 1, 100, 0);
        reporter.BatchFinished(100, 3200, 0.5, 0.5);
        foreach (string draw in error.ToString()[mark..].Split('\r'))
            Assert.True(draw.Length < columns, $"{draw.Length}: '{draw}'");
    }

    [Fact]
    public void OffATerminalThereIsOneLinePerEpoch()
    {
        var error = new StringWriter();
        RunEpochs(new ProgressReporter(error, terminal: false, () => 80), epochs: 3, batches: 50);
        string text = error.ToString();
        Assert.DoesNotContain('\r', text);
        Assert.Equal(["epoch 1/3", "epoch 2/3", "epoch 3/3"], text.TrimEnd().Split('\n').Select(l => l[..9]));
    }

    [Fact]
    public void ARunWithoutAccuracyShowsNone()
    {
        // A regression or a language model records no accuracy: NaN, left out rather than printed as "acc NaN".
        string bar = ProgressReporter.Bar(120, 3, 40, 120, 1688, 0.1234, double.NaN, 45210, 12);
        Assert.Contains("loss 0.1234", bar);
        Assert.DoesNotContain("acc", bar);
        var error = new StringWriter();
        var reporter = new ProgressReporter(error, terminal: false);
        reporter.EpochStarted(1, 2, 10, 0);
        reporter.EpochFinished(new EpochMetrics(1, 0.5, double.NaN, 0.6, double.NaN, 1.5), 100);
        Assert.Contains("train loss 0.5000  test loss 0.6000  100 samples/s", error.ToString());
    }

    private static void RunEpochs(ProgressReporter reporter, int epochs, int batches)
    {
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            reporter.EpochStarted(epoch, epochs, batches, 0);
            for (int b = 1; b <= batches; b++)
            {
                // Enough work per batch that the ten-per-second redraw limit lets several draws through.
                if (b % 300 == 0) Thread.Sleep(110);
                reporter.BatchFinished(b, b * 32, 1.0 / b, 1 - 1.0 / b);
            }
            reporter.EpochFinished(new EpochMetrics(epoch, 0.5, 0.8, 0.6, 0.75, 1.5), 12345);
        }
    }
}
