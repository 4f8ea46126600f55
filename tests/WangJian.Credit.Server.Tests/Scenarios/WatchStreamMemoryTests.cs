using Grpc.Core;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Many watch streams fan changes out and are then cancelled: afterwards nothing of theirs is left on the
/// managed heap (what RSS keeps after that is the GC's reserve, given back as the heap is collected). The heap
/// is the whole test process's, so the test runs alone (<see cref="HeapMeasuringCollection"/>).
/// </summary>
[Collection(HeapMeasuringCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class WatchStreamMemoryTests(ServerFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task ManyWatchStreams_Cancelled_LeaveNothingOnTheHeap()
    {
        const int streams = 200;
        const int changes = 100;
        var baseline = Heap();

        using var cancel = new CancellationTokenSource();
        var received = 0;
        var watchers = Enumerable.Range(0, streams).Select(async _ =>
        {
            try
            {
                using var call = server.Credit.WatchCreditChanges(new WatchCreditChangesRequest(), cancellationToken: cancel.Token);
                await foreach (var change in call.ResponseStream.ReadAllAsync(cancel.Token))
                {
                    Interlocked.Increment(ref received);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
            }
        }).ToArray();

        var operators = Enumerable.Range(0, changes).Select(_ => TestUscc.Fresh()).ToArray();
        await Task.Delay(500); // the streams are open (their first read is done) before the changes start
        await Parallel.ForEachAsync(operators, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (op, ct) =>
            await server.Regulator.RecordViolationAsync(Requests.Violation(op), cancellationToken: ct));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref received) < streams * changes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var during = Heap();
        await cancel.CancelAsync();
        await Task.WhenAll(watchers);
        await Task.Delay(1500); // the server's loops see the cancellation at their next wake-up at the latest
        var after = Heap();
        output.WriteLine($"received {received} of {streams * changes}; managed heap {baseline / 1e6:F1} MB before, {during / 1e6:F1} MB with {streams} streams, {after / 1e6:F1} MB after cancelling");

        Assert.True(received >= streams * changes, $"received {received}");
        Assert.True(after - baseline < 20_000_000, $"{(after - baseline) / 1e6:F1} MB left on the heap after the streams ended");
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
