using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Google.Rpc;
using Microsoft.OpenApi.Models;

namespace WangJian.Credit.Server.Http;

/// <summary>
/// REST/JSON for every rpc by grpc-dotnet JSON transcoding (the paths are the <c>google.api.http</c>
/// annotations in protos/), the OpenAPI 3 document generated from the same descriptors and their
/// comments at <c>/openapi/v1.json</c>, and Swagger UI (served from the package, no CDN) at <c>/docs</c>.
/// The calls run the same service methods, authorization and interceptors as gRPC.
/// </summary>
public static class JsonApi
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string DocsPath = "docs";
    private const string BearerScheme = "bearer";

    public static void Add(IServiceCollection services, IGrpcServerBuilder grpc)
    {
        grpc.AddJsonTranscoding(o => o.TypeRegistry = JsonStatus.ErrorDetails);
        services.AddSingleton(new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)));
        services.AddEndpointsApiExplorer();
        services.AddGrpcSwagger();
        services.AddSwaggerGen(c =>
        {
            c.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "WangJian.Credit",
                Version = "v1",
                Description = "Credit supervision of e-commerce operators: the gRPC API (package wangjian.credit.v1) as REST/JSON. " +
                    "Send 'Authorization: Bearer <token>'. Errors are a google.rpc.Status {code, message, details} with the matching HTTP status.",
            });
            c.AddServer(new OpenApiServer { Url = "/", Description = "this server" });
            // operationId = Service_Method, the rpc's name, so generated clients and the docs read like the gRPC API.
            c.CustomOperationIds(api => api.ActionDescriptor.EndpointMetadata.OfType<GrpcMethodMetadata>().FirstOrDefault() is { } m
                ? $"{m.Method.ServiceName[(m.Method.ServiceName.LastIndexOf('.') + 1)..]}_{m.Method.Name}"
                : api.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName);
            c.OperationFilter<ErrorResponses>();
            var xml = Path.Combine(AppContext.BaseDirectory, "WangJian.Credit.Server.xml");
            if (File.Exists(xml))
            {
                c.IncludeXmlComments(xml);
                c.IncludeGrpcXmlComments(xml, includeControllerXmlComments: true);
            }

            c.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A principal's token (Auth:Principals, or data/dev-tokens.json of the embedded development store).",
            });
            c.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = BearerScheme } }] = [],
            });
        });
    }

    public static void Map(WebApplication app)
    {
        ImportEndpoint.Map(app);
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = DocsPath;
            o.SwaggerEndpoint(DocumentPath, "WangJian.Credit v1");
            o.DocumentTitle = "WangJian.Credit API";
            o.EnablePersistAuthorization();
        });
    }
}

/// <summary>
/// Names the error answers every operation can give (beside the generator's "default"): each is a
/// google.rpc.Status with details, and its HTTP status follows from the gRPC code.
/// </summary>
internal sealed class ErrorResponses : Swashbuckle.AspNetCore.SwaggerGen.IOperationFilter
{
    private static readonly (string Status, string Description)[] Errors =
    [
        ("400", "INVALID_ARGUMENT (details: google.rpc.BadRequest with the field violations) or FAILED_PRECONDITION (google.rpc.PreconditionFailure)"),
        ("401", "UNAUTHENTICATED: no or an unknown bearer token"),
        ("403", "PERMISSION_DENIED: the caller's role or agency may not do this"),
        ("404", "NOT_FOUND"),
        ("409", "ALREADY_EXISTS"),
        ("503", "UNAVAILABLE: the store or the cluster does not answer; retry later"),
    ];

    public void Apply(OpenApiOperation operation, Swashbuckle.AspNetCore.SwaggerGen.OperationFilterContext context)
    {
        var status = context.SchemaGenerator.GenerateSchema(typeof(Google.Rpc.Status), context.SchemaRepository);
        foreach (var (code, description) in Errors)
        {
            operation.Responses.TryAdd(code, new OpenApiResponse
            {
                Description = description,
                Content = { ["application/json"] = new OpenApiMediaType { Schema = status } },
            });
        }
    }
}
