// The API docs page (/api/v1/docs): Swagger UI, vendored in static/swagger/, over this server's
// OpenAPI document. A file of its own: the Content-Security-Policy allows no inline script.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
