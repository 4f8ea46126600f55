using Orleans.Runtime;
using StackExchange.Redis;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Grpc;

/// <summary>Which failures the interceptor answers UNAVAILABLE (retryable, saying which part) rather than INTERNAL.</summary>
[Trait("Category", "Unit")]
public sealed class ErrorMappingTests
{
    public static TheoryData<Exception, string?> Cases() => new()
    {
        { Down("down"), "the credit store is unavailable" },
        { new RedisTimeoutException(CommandFlags.None, "slow", CommandStatus.Sent), "the credit store is unavailable" },
        { new InvalidOperationException("grain call failed", Down("reset")), "the credit store is unavailable" },
        { new AggregateException(new FormatException("x"), Down("reset")), "the credit store is unavailable" },
        { new SiloUnavailableException("gone"), "the cluster member that hosts this operator is unavailable" },
        { new TimeoutException("late"), "the operator's grain did not answer in time" },
        { new Orleans.Storage.InconsistentStateException("etag"), "the operator's record was changed by another cluster member" },
        // A store failure inside a silo failure is the store's.
        { new SiloUnavailableException("gone", Down("reset")), "the credit store is unavailable" },
        { new InvalidOperationException("a defect"), null },
        { new NullReferenceException(), null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unavailability_NamesTheUnavailablePartOrNullForADefect(Exception e, string? expected)
    {
        Assert.Equal(expected, ErrorInterceptor.Unavailability(e));
    }

    private static RedisConnectionException Down(string message) => new(ConnectionFailureType.SocketFailure, CommandFlags.None, message);

    [Fact]
    public void Unavailability_StoreTimeoutIsTheStore()
    {
        Assert.Equal("the credit store is unavailable", ErrorInterceptor.Unavailability(new StoreTimeoutException("wj:op:x")));
    }
}
