using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Bytes that are not the method's message are INVALID_ARGUMENT, never UNKNOWN or INTERNAL.</summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class MalformedMessageTests(ServerFixture server)
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static Method<byte[], byte[]> RawMethod(string service, string name) =>
        new(MethodType.Unary, service, name, Raw, Raw);

    public static TheoryData<string, byte[]> Garbage => new()
    {
        { "invalid tag zero", [0x00, 0x01] },
        { "truncated length-delimited", [0x0a, 0x50, 0x41] },
        { "wrong wire type for string", [0x0d, 0x01, 0x02, 0x03, 0x04] },
        { "all ones", [0xff, 0xff, 0xff, 0xff] },
        { "invalid utf-8 in string", [0x0a, 0x02, 0xc3, 0x28] },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GetCreditStatus_GarbageBytes_InvalidArgument(string why, byte[] bytes)
    {
        _ = why;
        var invoker = server.As("platform");
        var e = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(RawMethod("wangjian.credit.v1.CreditService", "GetCreditStatus"), null, default, bytes).ResponseAsync);
        // Either the bytes do not parse, or they parse (unknown fields are skipped) into a request
        // whose operator_id is missing: INVALID_ARGUMENT both ways.
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task RecordViolation_GarbageBytesWithoutToken_Unauthenticated()
    {
        var invoker = server.As(null);
        var e = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(RawMethod("wangjian.credit.v1.RegulatorService", "RecordViolation"), null, default, [0xff, 0xff]).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task GetCreditStatus_AfterGarbage_ServerStillAnswers()
    {
        var invoker = server.As("platform");
        await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(RawMethod("wangjian.credit.v1.CreditService", "GetCreditStatus"), null, default, new byte[] { 0xff }).ResponseAsync);
        var ok = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei });
        Assert.Equal(Grade.A, ok.Status.Grade);
    }
}
