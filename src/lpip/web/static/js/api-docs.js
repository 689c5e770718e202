/* The JSON API's documentation page: Swagger UI (served from /static, never from a CDN) on
 * the app's own OpenAPI document. A file, not an inline script, so the page keeps the CSP. */
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  if (!root || !window.SwaggerUIBundle) { return; }
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: '#swagger-ui',
    deepLinking: true,
    layout: 'BaseLayout',
    validatorUrl: null  // no badge fetched from swagger.io: the page stays on this server
  });
}());
