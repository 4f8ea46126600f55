using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>The size rule for the embedded store's checkpoints, alone.</summary>
[Trait("Category", "Unit")]
public sealed class CheckpointScheduleTests
{
    private const long Mb = 1 << 20;

    [Fact]
    public void SmallStore_TheFloorDecides()
    {
        var schedule = new CheckpointSchedule(64 * Mb, 100);
        Assert.Equal(64 * Mb, schedule.ThresholdBytes(0));
        Assert.Equal(64 * Mb, schedule.ThresholdBytes(10 * Mb));
        Assert.False(schedule.Due(64 * Mb, 10 * Mb));
        Assert.True(schedule.Due(64 * Mb + 1, 10 * Mb));
    }

    [Fact]
    public void LargeStore_ItsLastCheckpointDecides()
    {
        var schedule = new CheckpointSchedule(64 * Mb, 100);
        Assert.Equal(500 * Mb, schedule.ThresholdBytes(500 * Mb));
        Assert.False(schedule.Due(400 * Mb, 500 * Mb));
        Assert.True(schedule.Due(501 * Mb, 500 * Mb));

        var half = new CheckpointSchedule(64 * Mb, 50);
        Assert.Equal(250 * Mb, half.ThresholdBytes(500 * Mb));
    }

    [Fact]
    public void GrowthZero_TheFloorAlone_AsAFixedLimit()
    {
        var schedule = new CheckpointSchedule(64 * Mb, 0);
        Assert.Equal(64 * Mb, schedule.ThresholdBytes(5_000 * Mb));
        Assert.True(schedule.Due(65 * Mb, 5_000 * Mb));
    }

    [Fact]
    public void HugeCheckpoint_ThresholdClampedNotOverflowed()
    {
        var schedule = new CheckpointSchedule(64 * Mb, 1000);
        Assert.Equal(long.MaxValue, schedule.ThresholdBytes(long.MaxValue / 2));
        Assert.False(schedule.Due(long.MaxValue, long.MaxValue / 2));
    }
}
