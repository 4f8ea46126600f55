using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Every service is bound by the server's own binder (Grpc/CheckedRequestMessages.cs) in place of grpc-dotnet's:
/// reflection and health, which are not ours, still answer, an rpc no service has is UNIMPLEMENTED, and bad bytes
/// in a well-formed frame are INVALID_ARGUMENT with the message type named.
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class ServiceBindingTests(ServerFixture server)
{
    [Fact]
    public async Task Reflection_ListsTheServices()
    {
        var reflection = new ServerReflection.ServerReflectionClient(server.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("wangjian.credit.v1.CreditService", services);
        Assert.Contains("wangjian.credit.v1.RegulatorService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Health_Answers()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(server.Channel);

        var status = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }

    [Fact]
    public async Task AnRpcNoServiceHas_IsUnimplemented()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "wangjian.credit.v1.CreditService", "NoSuchRpc", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var token = server.Tokens["platform"];

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(new Metadata { { "authorization", $"Bearer {token}" } }), []));

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task BadBytesInAWholeFrame_AreInvalidArgument_NamingTheMessageType()
    {
        // A GetCreditStatusRequest whose string field announces more bytes than follow.
        var method = new Method<byte[], byte[]>(MethodType.Unary, "wangjian.credit.v1.CreditService", "GetCreditStatus", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = server.Channel.CreateCallInvoker();
        var token = server.Tokens["platform"];

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(method, null, new CallOptions(new Metadata { { "authorization", $"Bearer {token}" } }), [0x0a, 0x05, 0x41]));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("wangjian.credit.v1.GetCreditStatusRequest", e.Status.Detail);
    }
}
