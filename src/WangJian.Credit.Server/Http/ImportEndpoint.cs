using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Http;

/// <summary>
/// ImportViolations over HTTP: JSON transcoding has no form for a client stream, so its path
/// (<c>POST /v1/violations:import</c>, the rpc's google.api.http rule) takes newline-delimited JSON, one
/// ImportViolationsRequest per line, read as it arrives and handed to the same service method, through the
/// same error mapping, as the gRPC stream.
/// </summary>
public static class ImportEndpoint
{
    public const string Path = "/v1/violations:import";

    public static void Map(WebApplication app)
    {
        app.MapPost(Path, ImportAsync)
            .RequireAuthorization(new AuthorizeAttribute { Roles = Roles.RegulatorService })
            .WithMetadata(new Abstractions.WritesAttribute())
            .WithName("RegulatorService_ImportViolations")
            .WithTags("RegulatorService")
            .WithSummary("Bulk import of history: newline-delimited JSON, one ImportViolationsRequest ({\"violation\": {...}}) per line, any number of lines. " +
                "Each row is recorded like RecordViolation; a bad row is rejected with its index and reason and never aborts the rest.")
            .Accepts<ImportViolationsRequest>("application/x-ndjson", "application/json")
            .Produces<ImportViolationsResponse>()
            .Produces<Google.Rpc.Status>(StatusCodes.Status400BadRequest)
            .Produces<Google.Rpc.Status>(StatusCodes.Status401Unauthorized)
            .Produces<Google.Rpc.Status>(StatusCodes.Status403Forbidden)
            .Produces<Google.Rpc.Status>(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task ImportAsync(HttpContext http, ILogger<ErrorInterceptor> logger, JsonParser parser)
    {
        var service = ActivatorUtilities.CreateInstance<RegulatorGrpcService>(http.RequestServices);
        var context = new HttpCallContext(http, "/wangjian.credit.v1.RegulatorService/ImportViolations");
        try
        {
            // The same pipeline as the gRPC stream: error mapping around the commit barrier around the service.
            var barrier = ActivatorUtilities.CreateInstance<CommitBarrierInterceptor>(http.RequestServices);
            var response = await ActivatorUtilities.CreateInstance<ErrorInterceptor>(http.RequestServices).ClientStreamingServerHandler(
                new LineReader(http.Request.Body, parser), context, (requests, call) => barrier.ClientStreamingServerHandler(requests, call, service.ImportViolations));
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(JsonFormatter.Default.Format(response));
        }
        catch (RpcException e)
        {
            await JsonStatus.WriteAsync(http.Response, e);
        }
    }

    /// <summary>The request body as a stream of messages, one JSON object per non-empty line.</summary>
    private sealed class LineReader(Stream body, JsonParser parser) : IAsyncStreamReader<ImportViolationsRequest>
    {
        private readonly StreamReader reader = new(body);

        private long lineNumber;

        public ImportViolationsRequest Current { get; private set; } = new();

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                try
                {
                    Current = parser.Parse<ImportViolationsRequest>(line);
                }
                catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException)
                {
                    // Not a row at all (unlike a row with bad fields, which is rejected and skipped): the body is broken.
                    throw GrpcErrors.InvalidArgument("(request)", $"line {lineNumber} is not an ImportViolationsRequest in JSON: {e.Message}");
                }

                return true;
            }

            return false;
        }
    }
}
