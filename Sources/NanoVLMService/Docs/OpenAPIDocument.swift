/// The OpenAPI 3.0.3 description of the HTTP API (docs/API.md), served at `/openapi.json`.
///
/// Kept as one literal so the document the server sends is exactly the one the tests
/// parse, resolve and validate. When a handler's shape changes, this changes with it.
public enum OpenAPIDocument {
    /// The document as JSON text (UTF-8).
    public static let json: String = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "nanovlm",
    "version": "1",
    "description": "A CLIP-style nano vision-language model served as a retrieval service over 243 synthetic 32x32 images (a filled circle, square or triangle in one of 9 colours at one of 9 positions) and their captions `<colour> <shape> <position>`. Text queries are forgiving: case, extra spaces, `center`/`centre`, `grey`/`gray`, `top left`/`top-left` and the words `a an the at in on of` are accepted, and a partial caption is a valid query. Every error is `{\"error\": {\"code\", \"message\"}}` with the fitting status.",
    "license": { "name": "See the repository" }
  },
  "servers": [ { "url": "/" } ],
  "tags": [
    { "name": "health", "description": "Liveness and readiness for an orchestrator." },
    { "name": "search", "description": "Text to image and image to text retrieval, zero-shot classification." },
    { "name": "embed", "description": "Raw embeddings in the joint space." },
    { "name": "gallery", "description": "The 243 canonical images." },
    { "name": "model", "description": "Provenance and evaluation of the loaded model." },
    { "name": "admin", "description": "Operations that need the admin token." },
    { "name": "meta", "description": "This document, the metrics and the web page." }
  ],
  "paths": {
    "/healthz": {
      "head": { "tags": ["health"], "operationId": "headHealth", "summary": "As GET /healthz, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "health" ],
        "operationId": "getHealth",
        "summary": "Liveness: 200 whenever the process serves.",
        "responses": {
          "200": { "description": "The process is serving.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/livez": {
      "head": { "tags": ["health"], "operationId": "headLiveness", "summary": "As GET /livez, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "health" ],
        "operationId": "getLiveness",
        "summary": "Alias of /healthz.",
        "responses": {
          "200": { "description": "The process is serving.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/readyz": {
      "head": { "tags": ["health"], "operationId": "headReadiness", "summary": "As GET /readyz, without the body: the same status and headers.", "parameters": [{ "$ref": "#/components/parameters/Verbose" }], "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" }, "503": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "health" ],
        "operationId": "getReadiness",
        "summary": "Readiness: 200 once the model and both embedding tables are in memory and the start-up self-test passed.",
        "parameters": [ { "$ref": "#/components/parameters/Verbose" } ],
        "responses": {
          "200": { "description": "Ready to answer queries.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Readiness" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "503": {
            "description": "Not ready yet (still loading or training, or start-up failed). The body is the readiness report, not an error: an orchestrator reads the status, a person reads `stage` and, with `?verbose`, the checks.",
            "headers": { "Retry-After": { "$ref": "#/components/headers/RetryAfter" } },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Readiness" } } }
          }
        }
      }
    },
    "/v1/search/images": {
      "head": { "tags": ["search"], "operationId": "headSearchImages", "summary": "As GET /v1/search/images, without the body: the same status and headers.", "parameters": [{ "$ref": "#/components/parameters/Query" }, { "$ref": "#/components/parameters/K" }, { "$ref": "#/components/parameters/Explain" }], "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" }, "400": { "$ref": "#/components/responses/HeadAnswer" }, "503": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "search" ],
        "operationId": "searchImages",
        "summary": "Text to image: the k images that best match a caption.",
        "parameters": [
          { "$ref": "#/components/parameters/Query" },
          { "$ref": "#/components/parameters/K" },
          { "$ref": "#/components/parameters/Explain" }
        ],
        "responses": {
          "200": { "description": "Ranked images.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ImageSearchResponse" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      },
      "post": {
        "tags": [ "search" ],
        "operationId": "searchImagesPost",
        "summary": "Text to image with a JSON body: one query, or a batch of at most 64.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": { "oneOf": [ { "$ref": "#/components/schemas/ImageSearchRequest" }, { "$ref": "#/components/schemas/BatchImageSearchRequest" } ] },
              "examples": {
                "single": { "value": { "q": "pink circle top", "k": 5, "explain": true } },
                "batch": { "value": { "queries": [ "red square", "blue triangle bottom-left" ], "k": 3 } }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Ranked images: one list for `q`, one list per query, in order, for `queries`.",
            "content": { "application/json": { "schema": { "oneOf": [ { "$ref": "#/components/schemas/ImageSearchResponse" }, { "$ref": "#/components/schemas/BatchImageSearchResponse" } ] } } }
          },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "413": { "$ref": "#/components/responses/PayloadTooLarge" },
          "415": { "$ref": "#/components/responses/UnsupportedMediaType" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/search/captions": {
      "post": {
        "tags": [ "search" ],
        "operationId": "searchCaptions",
        "summary": "Image to text: the k captions that best match a PNG, or the given candidate texts ranked (zero-shot classification).",
        "parameters": [
          { "$ref": "#/components/parameters/K" },
          { "$ref": "#/components/parameters/Candidates" }
        ],
        "requestBody": { "$ref": "#/components/requestBodies/ImageUpload" },
        "responses": {
          "200": { "description": "Ranked captions.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CaptionSearchResponse" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "413": { "$ref": "#/components/responses/PayloadTooLarge" },
          "415": { "$ref": "#/components/responses/UnsupportedMediaType" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/classify": {
      "post": {
        "tags": [ "search" ],
        "operationId": "classifyImage",
        "summary": "Zero-shot: the most likely colour, shape and position of a PNG, each with a probability over that attribute's words.",
        "requestBody": { "$ref": "#/components/requestBodies/ImageUpload" },
        "responses": {
          "200": { "description": "The three attributes.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Classification" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "413": { "$ref": "#/components/responses/PayloadTooLarge" },
          "415": { "$ref": "#/components/responses/UnsupportedMediaType" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/images": {
      "head": { "tags": ["gallery"], "operationId": "headListImages", "summary": "As GET /v1/images, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "gallery" ],
        "operationId": "listImages",
        "summary": "The gallery: all 243 pairs in id order.",
        "responses": {
          "200": {
            "description": "Every pair.",
            "content": { "application/json": { "schema": { "type": "array", "minItems": 243, "maxItems": 243, "items": { "$ref": "#/components/schemas/GalleryImage" } } } }
          },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/v1/images/{id}.png": {
      "head": { "tags": ["gallery"], "operationId": "headImage", "summary": "As GET /v1/images/{id}.png, without the body: the same status and headers.", "parameters": [{ "$ref": "#/components/parameters/ImageId" }, { "$ref": "#/components/parameters/IfNoneMatch" }], "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" }, "304": { "$ref": "#/components/responses/HeadAnswer" }, "404": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "gallery" ],
        "operationId": "getImage",
        "summary": "One canonical 32x32 render as PNG.",
        "parameters": [ { "$ref": "#/components/parameters/ImageId" }, { "$ref": "#/components/parameters/IfNoneMatch" } ],
        "responses": {
          "200": {
            "description": "The PNG; cacheable for a day and immutable (the bytes depend only on the id).",
            "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
            "content": { "image/png": { "schema": { "type": "string", "format": "binary" } } }
          },
          "304": { "description": "`If-None-Match` named this image's entity tag (or `*`): no body.", "headers": { "ETag": { "$ref": "#/components/headers/ETag" } } },
          "404": { "$ref": "#/components/responses/NotFound" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/v1/embed/text": {
      "post": {
        "tags": [ "embed" ],
        "operationId": "embedText",
        "summary": "The D-dimensional, L2-normalised embedding of one text or of several.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": { "oneOf": [ { "$ref": "#/components/schemas/EmbedTextRequest" }, { "$ref": "#/components/schemas/EmbedTextsRequest" } ] },
              "examples": {
                "one": { "value": { "text": "pink circle top" } },
                "several": { "value": { "texts": [ "red", "green square" ] } }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "`embedding` for `text`, `embeddings` (one per text, in order) for `texts`.",
            "content": { "application/json": { "schema": { "oneOf": [ { "$ref": "#/components/schemas/Embedding" }, { "$ref": "#/components/schemas/Embeddings" } ] } } }
          },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "413": { "$ref": "#/components/responses/PayloadTooLarge" },
          "415": { "$ref": "#/components/responses/UnsupportedMediaType" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/embed/image": {
      "post": {
        "tags": [ "embed" ],
        "operationId": "embedImage",
        "summary": "The D-dimensional, L2-normalised embedding of a PNG.",
        "requestBody": { "$ref": "#/components/requestBodies/ImageUpload" },
        "responses": {
          "200": { "description": "The embedding.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Embedding" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "413": { "$ref": "#/components/responses/PayloadTooLarge" },
          "415": { "$ref": "#/components/responses/UnsupportedMediaType" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/model": {
      "head": { "tags": ["model"], "operationId": "headModel", "summary": "As GET /v1/model, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" }, "503": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "model" ],
        "operationId": "getModel",
        "summary": "Architecture, provenance of the weights, training record and validation metrics.",
        "responses": {
          "200": { "description": "The model.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Model" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/eval": {
      "head": { "tags": ["model"], "operationId": "headEvaluation", "summary": "As GET /v1/eval, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" }, "503": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "model" ],
        "operationId": "getEvaluation",
        "summary": "The evaluation metrics (docs/MODEL.md) computed live on the in-memory model.",
        "responses": {
          "200": { "description": "The metrics.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Evaluation" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/v1/admin/reload": {
      "post": {
        "tags": [ "admin" ],
        "operationId": "reloadWeights",
        "summary": "Re-read the weights file and swap model and tables atomically; in-flight requests finish on the old ones. SIGHUP does the same.",
        "security": [ { "adminToken": [] } ],
        "responses": {
          "200": { "description": "Reloaded.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReloadResult" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "description": "Reloading is off: no admin token is configured.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" },
          "409": {
            "description": "The weights file could not be used (missing, not safetensors, wrong shapes, or below the self-test floor); the previous model keeps serving. Code `reload_failed`; the message names the file and the problem.",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": { "error": { "code": "reload_failed", "message": "Reload failed, the previous model keeps serving: weights file /srv/nanovlm.safetensors: not a valid safetensors file: ..." } } } }
          },
          "503": { "$ref": "#/components/responses/NotReady" }
        }
      }
    },
    "/metrics": {
      "head": { "tags": ["meta"], "operationId": "headMetrics", "summary": "As GET /metrics, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "meta" ],
        "operationId": "getMetrics",
        "summary": "Prometheus text format: nanovlm_requests_total{route,method,code}, nanovlm_request_duration_seconds histograms by route, nanovlm_model_ready, nanovlm_build_info{version,blas_core}. `route` is the matched path pattern (`unmatched` for unknown paths), so label values stay bounded.",
        "responses": {
          "200": { "description": "The metrics.", "content": { "text/plain": { "schema": { "type": "string" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/openapi.json": {
      "head": { "tags": ["meta"], "operationId": "headOpenAPIDocument", "summary": "As GET /openapi.json, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "meta" ],
        "operationId": "getOpenAPIDocument",
        "summary": "This document.",
        "responses": {
          "200": { "description": "The OpenAPI 3 document.", "content": { "application/json": { "schema": { "type": "object" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    },
    "/": {
      "head": { "tags": ["meta"], "operationId": "headWebPage", "summary": "As GET /, without the body: the same status and headers.", "responses": { "200": { "$ref": "#/components/responses/HeadAnswer" } } },
      "get": {
        "tags": [ "meta" ],
        "operationId": "getWebPage",
        "summary": "The web page: search by text, search by image, look inside the model.",
        "responses": {
          "200": { "description": "A self-contained HTML page.", "content": { "text/html": { "schema": { "type": "string" } } } },
          "405": { "$ref": "#/components/responses/MethodNotAllowed" }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "adminToken": { "type": "http", "scheme": "bearer", "description": "The admin token from the configuration: `Authorization: Bearer <token>`." }
    },
    "headers": {
      "RetryAfter": { "description": "Seconds to wait before retrying.", "schema": { "type": "integer", "minimum": 1 } },
      "ETag": { "description": "A strong entity tag of the PNG bytes.", "schema": { "type": "string" } },
      "CacheControl": { "description": "`public, max-age=86400, immutable`.", "schema": { "type": "string" } }
    },
    "parameters": {
      "IfNoneMatch": {
        "name": "If-None-Match", "in": "header", "required": false,
        "description": "Entity tags from an earlier answer; a match gets 304 without the body.",
        "schema": { "type": "string" }
      },
      "Query": {
        "name": "q", "in": "query", "required": true,
        "description": "A caption or part of one, e.g. `pink circle top`, `red`, `circle top`.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 256 },
        "example": "pink circle top"
      },
      "K": {
        "name": "k", "in": "query", "required": false,
        "description": "How many results.",
        "schema": { "$ref": "#/components/schemas/K" }
      },
      "Explain": {
        "name": "explain", "in": "query", "required": false,
        "description": "Add each result's exact per-word decomposition of its score. Exact only for the `mean` text encoder: with any other (`attention`, see `/v1/model` `architecture.text_encoder`) the request is a 400 with code `explain_unavailable`.",
        "schema": { "type": "boolean", "default": false }
      },
      "Candidates": {
        "name": "candidates", "in": "query", "required": false,
        "description": "Texts to rank instead of the 243 captions (repeat the parameter for each).",
        "style": "form", "explode": true,
        "schema": { "type": "array", "items": { "type": "string", "minLength": 1, "maxLength": 256 } }
      },
      "Verbose": {
        "name": "verbose", "in": "query", "required": false, "allowEmptyValue": true,
        "description": "List each readiness check and its state (`?verbose` alone is enough).",
        "schema": { "type": "boolean" }
      },
      "ImageId": {
        "name": "id", "in": "path", "required": true,
        "description": "colour*27 + shape*9 + position, with the orders of docs/MODEL.md.",
        "schema": { "$ref": "#/components/schemas/ImageId" }
      }
    },
    "requestBodies": {
      "ImageUpload": {
        "required": true,
        "description": "Any valid PNG (every colour type and bit depth, interlaced or not, alpha composited over black), 1x1 to 4096x4096, scaled to 32x32 by area averaging; at most the configured body limit (default 4 MiB).",
        "content": {
          "image/png": { "schema": { "type": "string", "format": "binary" } },
          "multipart/form-data": {
            "schema": {
              "type": "object",
              "required": [ "image" ],
              "properties": {
                "image": { "type": "string", "format": "binary", "description": "The PNG file (`curl -F image=@x.png`); a part named `file`, or any part with a file name, is accepted too." },
                "k": { "type": "integer", "minimum": 1, "maximum": 243, "description": "How many results, when not given in the query string." },
                "candidates": { "type": "array", "items": { "type": "string", "minLength": 1, "maxLength": 256 }, "description": "Texts to rank instead of the 243 captions (repeat the field for each)." }
              }
            },
            "encoding": {
              "image": { "contentType": "image/png" },
              "candidates": { "contentType": "text/plain", "explode": true }
            }
          }
        }
      }
    },
    "responses": {
      "HeadAnswer": {
        "description": "What GET answers with this status, headers only: every GET route answers HEAD."
      },
      "BadRequest": {
        "description": "Bad input: an unknown word (the message names it and lists the known words), an empty or over-long query, k out of range, malformed JSON, more than 64 queries, a body that is not a valid PNG.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": { "error": { "code": "unknown_word", "message": "unknown word \"teal\"; known words: red, green, blue, ..." } } } }
      },
      "Unauthorized": {
        "description": "No bearer token was sent.",
        "headers": { "WWW-Authenticate": { "schema": { "type": "string" }, "description": "`Bearer`." } },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "Forbidden": {
        "description": "The bearer token is not the admin token.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "NotFound": {
        "description": "Unknown path or id.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "MethodNotAllowed": {
        "description": "Sent for a method this path does not serve; the `Allow` header lists the methods it does.",
        "headers": { "Allow": { "schema": { "type": "string" }, "description": "e.g. `GET, POST`." } },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "PayloadTooLarge": {
        "description": "The body is over the configured limit (default 4 MiB); answered without reading it to the end.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "UnsupportedMediaType": {
        "description": "The Content-Type is not one this operation accepts.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "NotReady": {
        "description": "The model or its embedding tables are not in memory yet. Code `not_ready`; the message says what start-up is doing (e.g. training, epoch 12 of 200).",
        "headers": { "Retry-After": { "$ref": "#/components/headers/RetryAfter" } },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [ "error" ],
        "additionalProperties": false,
        "properties": {
          "error": {
            "type": "object",
            "required": [ "code", "message" ],
            "additionalProperties": false,
            "properties": {
              "code": { "type": "string", "minLength": 1, "description": "Machine-readable, e.g. `not_found`, `payload_too_large`." },
              "message": { "type": "string", "minLength": 1, "description": "A human sentence saying what was wrong." }
            }
          }
        }
      },
      "Status": {
        "type": "object",
        "required": [ "status" ],
        "additionalProperties": false,
        "properties": { "status": { "type": "string", "enum": [ "ok" ] } }
      },
      "Readiness": {
        "type": "object",
        "required": [ "status", "stage" ],
        "additionalProperties": false,
        "description": "`checks` is present with `?verbose`.",
        "properties": {
          "status": { "type": "string", "enum": [ "ready", "not_ready", "failed" ], "description": "`ready` once every check passed; `failed` when start-up gave up." },
          "stage": { "type": "string", "enum": [ "starting", "loading", "training", "embedding", "self_test", "ready", "failed" ], "description": "What start-up is doing." },
          "checks": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [ "name", "state" ],
              "additionalProperties": false,
              "properties": {
                "name": { "type": "string", "enum": [ "weights", "image_embeddings", "caption_embeddings", "self_test" ] },
                "state": { "type": "string", "enum": [ "pending", "running", "ok", "failed" ] },
                "detail": { "type": "string", "description": "e.g. `training: epoch 12 of 200, loss 0.8123` or `gallery R@1 1.000 ≥ 0.95`." },
                "epoch": { "type": "integer", "minimum": 0, "description": "While training: the last finished epoch." },
                "epochs": { "type": "integer", "minimum": 1, "description": "While training: the epochs in all." }
              }
            }
          }
        }
      },
      "K": { "type": "integer", "minimum": 1, "maximum": 243, "default": 5 },
      "ImageId": { "type": "integer", "minimum": 0, "maximum": 242 },
      "QueryText": { "type": "string", "minLength": 1, "maxLength": 256 },
      "Colour": { "type": "string", "enum": [ "red", "green", "blue", "yellow", "pink", "brown", "orange", "purple", "gray" ] },
      "Shape": { "type": "string", "enum": [ "circle", "square", "triangle" ] },
      "Position": { "type": "string", "enum": [ "top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right" ] },
      "ImageSearchRequest": {
        "type": "object",
        "required": [ "q" ],
        "additionalProperties": false,
        "properties": {
          "q": { "$ref": "#/components/schemas/QueryText" },
          "k": { "$ref": "#/components/schemas/K" },
          "explain": { "type": "boolean", "default": false, "description": "As the `explain` query parameter: exact only for the `mean` text encoder, else a 400 `explain_unavailable`." }
        }
      },
      "BatchImageSearchRequest": {
        "type": "object",
        "required": [ "queries" ],
        "additionalProperties": false,
        "properties": {
          "queries": { "type": "array", "minItems": 1, "maxItems": 64, "items": { "$ref": "#/components/schemas/QueryText" } },
          "k": { "$ref": "#/components/schemas/K" },
          "explain": { "type": "boolean", "default": false }
        }
      },
      "Explanation": {
        "type": "object",
        "description": "The exact decomposition of a mean-pooled text query's score: the contributions plus the bias equal `score` (to 1e-5).",
        "required": [ "words", "bias" ],
        "additionalProperties": false,
        "properties": {
          "words": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [ "word", "contribution" ],
              "additionalProperties": false,
              "properties": {
                "word": { "type": "string" },
                "contribution": { "type": "number" }
              }
            }
          },
          "bias": { "type": "number" }
        }
      },
      "ImageResult": {
        "type": "object",
        "required": [ "rank", "id", "caption", "score", "probability", "image_url" ],
        "additionalProperties": false,
        "properties": {
          "rank": { "type": "integer", "minimum": 1, "maximum": 243 },
          "id": { "$ref": "#/components/schemas/ImageId" },
          "caption": { "type": "string" },
          "score": { "type": "number", "description": "Cosine similarity." },
          "probability": { "type": "number", "minimum": 0, "maximum": 1, "description": "Softmax of score/tau over all candidates." },
          "image_url": { "type": "string", "pattern": "^/v1/images/[0-9]+\\.png$", "example": "/v1/images/17.png" },
          "explanation": { "$ref": "#/components/schemas/Explanation" }
        }
      },
      "ImageSearchResponse": {
        "type": "object",
        "description": "Ranks 1...k, sorted by score descending, ties by id.",
        "required": [ "query", "k", "results" ],
        "additionalProperties": false,
        "properties": {
          "query": { "type": "string" },
          "k": { "$ref": "#/components/schemas/K" },
          "results": { "type": "array", "maxItems": 243, "items": { "$ref": "#/components/schemas/ImageResult" } }
        }
      },
      "BatchImageSearchResponse": {
        "type": "object",
        "required": [ "k", "queries" ],
        "additionalProperties": false,
        "properties": {
          "k": { "$ref": "#/components/schemas/K" },
          "queries": {
            "type": "array",
            "maxItems": 64,
            "items": {
              "type": "object",
              "required": [ "query", "results" ],
              "additionalProperties": false,
              "properties": {
                "query": { "type": "string" },
                "results": { "type": "array", "maxItems": 243, "items": { "$ref": "#/components/schemas/ImageResult" } }
              }
            }
          }
        }
      },
      "CaptionResult": {
        "type": "object",
        "description": "Ranking the 243 captions, `id` is the gallery pair whose caption this is and `image_url` its image. Ranking `candidates`, `id` is the candidate's position in the list (0-based), `caption` is the candidate text as sent, and `image_url` is absent.",
        "required": [ "rank", "id", "caption", "score", "probability" ],
        "additionalProperties": false,
        "properties": {
          "rank": { "type": "integer", "minimum": 1, "maximum": 256 },
          "id": { "type": "integer", "minimum": 0, "maximum": 255 },
          "caption": { "type": "string" },
          "score": { "type": "number", "description": "Cosine similarity." },
          "probability": { "type": "number", "minimum": 0, "maximum": 1, "description": "Softmax of score/tau over all candidates." },
          "image_url": { "type": "string", "pattern": "^/v1/images/[0-9]+\\.png$" }
        }
      },
      "CaptionSearchResponse": {
        "type": "object",
        "description": "Ranks 1...k, sorted by score descending, ties by id (or candidate order).",
        "required": [ "query", "k", "results" ],
        "additionalProperties": false,
        "properties": {
          "query": { "$ref": "#/components/schemas/ImageQuery" },
          "k": { "$ref": "#/components/schemas/K" },
          "results": { "type": "array", "maxItems": 256, "items": { "$ref": "#/components/schemas/CaptionResult" } }
        }
      },
      "ImageQuery": {
        "type": "object",
        "description": "What was ranked against: the uploaded image, and the candidate texts when given.",
        "required": [ "type", "bytes" ],
        "additionalProperties": false,
        "properties": {
          "type": { "type": "string", "enum": [ "image/png" ] },
          "bytes": { "type": "integer", "minimum": 1, "description": "Size of the uploaded PNG." },
          "candidates": { "type": "array", "minItems": 1, "maxItems": 256, "items": { "type": "string" }, "description": "The texts ranked instead of the 243 captions, in the order sent." }
        }
      },
      "ColourPrediction": {
        "type": "object",
        "required": [ "label", "probability", "probabilities" ],
        "additionalProperties": false,
        "properties": {
          "label": { "$ref": "#/components/schemas/Colour" },
          "probability": { "$ref": "#/components/schemas/Probability" },
          "probabilities": {
            "type": "object",
            "required": [ "red", "green", "blue", "yellow", "pink", "brown", "orange", "purple", "gray" ],
            "additionalProperties": false,
            "properties": {
              "red": { "$ref": "#/components/schemas/Probability" },
              "green": { "$ref": "#/components/schemas/Probability" },
              "blue": { "$ref": "#/components/schemas/Probability" },
              "yellow": { "$ref": "#/components/schemas/Probability" },
              "pink": { "$ref": "#/components/schemas/Probability" },
              "brown": { "$ref": "#/components/schemas/Probability" },
              "orange": { "$ref": "#/components/schemas/Probability" },
              "purple": { "$ref": "#/components/schemas/Probability" },
              "gray": { "$ref": "#/components/schemas/Probability" }
            }
          }
        }
      },
      "ShapePrediction": {
        "type": "object",
        "required": [ "label", "probability", "probabilities" ],
        "additionalProperties": false,
        "properties": {
          "label": { "$ref": "#/components/schemas/Shape" },
          "probability": { "$ref": "#/components/schemas/Probability" },
          "probabilities": {
            "type": "object",
            "required": [ "circle", "square", "triangle" ],
            "additionalProperties": false,
            "properties": {
              "circle": { "$ref": "#/components/schemas/Probability" },
              "square": { "$ref": "#/components/schemas/Probability" },
              "triangle": { "$ref": "#/components/schemas/Probability" }
            }
          }
        }
      },
      "PositionPrediction": {
        "type": "object",
        "required": [ "label", "probability", "probabilities" ],
        "additionalProperties": false,
        "properties": {
          "label": { "$ref": "#/components/schemas/Position" },
          "probability": { "$ref": "#/components/schemas/Probability" },
          "probabilities": {
            "type": "object",
            "required": [ "top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right" ],
            "additionalProperties": false,
            "properties": {
              "top-left": { "$ref": "#/components/schemas/Probability" },
              "top": { "$ref": "#/components/schemas/Probability" },
              "top-right": { "$ref": "#/components/schemas/Probability" },
              "left": { "$ref": "#/components/schemas/Probability" },
              "centre": { "$ref": "#/components/schemas/Probability" },
              "right": { "$ref": "#/components/schemas/Probability" },
              "bottom-left": { "$ref": "#/components/schemas/Probability" },
              "bottom": { "$ref": "#/components/schemas/Probability" },
              "bottom-right": { "$ref": "#/components/schemas/Probability" }
            }
          }
        }
      },
      "Probability": { "type": "number", "minimum": 0, "maximum": 1 },
      "Classification": {
        "type": "object",
        "required": [ "colour", "shape", "position" ],
        "additionalProperties": false,
        "properties": {
          "colour": { "$ref": "#/components/schemas/ColourPrediction" },
          "shape": { "$ref": "#/components/schemas/ShapePrediction" },
          "position": { "$ref": "#/components/schemas/PositionPrediction" }
        }
      },
      "GalleryImage": {
        "type": "object",
        "required": [ "id", "caption", "colour", "shape", "position", "split" ],
        "additionalProperties": false,
        "properties": {
          "id": { "$ref": "#/components/schemas/ImageId" },
          "caption": { "type": "string", "example": "pink circle top" },
          "colour": { "$ref": "#/components/schemas/Colour" },
          "shape": { "$ref": "#/components/schemas/Shape" },
          "position": { "$ref": "#/components/schemas/Position" },
          "split": { "type": "string", "enum": [ "train", "validation" ] }
        }
      },
      "EmbedTextRequest": {
        "type": "object",
        "required": [ "text" ],
        "additionalProperties": false,
        "properties": { "text": { "$ref": "#/components/schemas/QueryText" } }
      },
      "EmbedTextsRequest": {
        "type": "object",
        "required": [ "texts" ],
        "additionalProperties": false,
        "properties": { "texts": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/QueryText" } } }
      },
      "Vector": { "type": "array", "minItems": 1, "items": { "type": "number" }, "description": "L2-normalised, `dim` entries." },
      "Embedding": {
        "type": "object",
        "required": [ "dim", "embedding" ],
        "additionalProperties": false,
        "properties": {
          "dim": { "type": "integer", "minimum": 1 },
          "embedding": { "$ref": "#/components/schemas/Vector" }
        }
      },
      "Embeddings": {
        "type": "object",
        "required": [ "dim", "embeddings" ],
        "additionalProperties": false,
        "properties": {
          "dim": { "type": "integer", "minimum": 1 },
          "embeddings": { "type": "array", "items": { "$ref": "#/components/schemas/Vector" } }
        }
      },
      "RankMetrics": {
        "type": "object",
        "required": [ "r1", "r5", "mean_rank" ],
        "additionalProperties": false,
        "properties": {
          "r1": { "type": "number", "minimum": 0, "maximum": 1 },
          "r5": { "type": "number", "minimum": 0, "maximum": 1 },
          "mean_rank": { "type": "number", "minimum": 1 }
        }
      },
      "DirectionMetrics": {
        "type": "object",
        "required": [ "image_to_text", "text_to_image" ],
        "additionalProperties": false,
        "properties": {
          "image_to_text": { "$ref": "#/components/schemas/RankMetrics" },
          "text_to_image": { "$ref": "#/components/schemas/RankMetrics" }
        }
      },
      "Evaluation": {
        "type": "object",
        "description": "The evaluation metrics (the object `nanovlm eval --json` prints).",
        "required": [ "validation", "robustness" ],
        "additionalProperties": false,
        "properties": {
          "validation": {
            "type": "object",
            "required": [ "among_validation", "among_all" ],
            "additionalProperties": false,
            "properties": {
              "among_validation": { "$ref": "#/components/schemas/DirectionMetrics" },
              "among_all": { "$ref": "#/components/schemas/DirectionMetrics" }
            }
          },
          "robustness": {
            "type": "object",
            "required": [ "among_all", "by_perturbation" ],
            "additionalProperties": false,
            "properties": {
              "among_all": { "$ref": "#/components/schemas/DirectionMetrics" },
              "by_perturbation": {
                "type": "object",
                "required": [ "size", "offset", "antialias", "canvas64", "canvas128" ],
                "additionalProperties": false,
                "properties": {
                  "size": { "$ref": "#/components/schemas/DirectionMetrics" },
                  "offset": { "$ref": "#/components/schemas/DirectionMetrics" },
                  "antialias": { "$ref": "#/components/schemas/DirectionMetrics" },
                  "canvas64": { "$ref": "#/components/schemas/DirectionMetrics" },
                  "canvas128": { "$ref": "#/components/schemas/DirectionMetrics" }
                }
              }
            }
          }
        }
      },
      "Weights": {
        "type": "object",
        "required": [ "source", "path", "sha256" ],
        "additionalProperties": false,
        "properties": {
          "source": { "type": "string", "enum": [ "trained at start-up", "loaded from file" ] },
          "path": { "type": "string" },
          "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$", "nullable": true, "description": "SHA-256 of the weights file; null when training could not save it." }
        }
      },
      "EpochRecord": {
        "type": "object",
        "required": [ "epoch", "loss", "learning_rate", "elapsed" ],
        "additionalProperties": false,
        "properties": {
          "epoch": { "type": "integer", "minimum": 1 },
          "loss": { "type": "number" },
          "val_r1_image_to_text": { "type": "number", "minimum": 0, "maximum": 1, "nullable": true, "description": "Validation R@1 among all 243; absent on epochs that were not evaluated." },
          "val_r1_text_to_image": { "type": "number", "minimum": 0, "maximum": 1, "nullable": true },
          "learning_rate": { "type": "number" },
          "elapsed": { "type": "number", "minimum": 0, "description": "Seconds since training started." }
        }
      },
      "Model": {
        "type": "object",
        "required": [ "architecture", "temperature", "seed", "weights", "training", "metrics", "blas", "version" ],
        "additionalProperties": false,
        "properties": {
          "architecture": {
            "type": "object",
            "required": [ "image_encoder", "text_encoder", "embedding_dim", "parameters" ],
            "additionalProperties": false,
            "properties": {
              "image_encoder": { "type": "string", "enum": [ "cnn", "vit" ] },
              "text_encoder": { "type": "string", "enum": [ "mean", "attention" ] },
              "embedding_dim": { "type": "integer", "minimum": 1 },
              "parameters": { "type": "integer", "minimum": 1 }
            }
          },
          "temperature": { "type": "number", "exclusiveMinimum": true, "minimum": 0 },
          "seed": { "type": "integer", "minimum": 0, "description": "Seed of the train/validation split the weights were trained with." },
          "weights": { "$ref": "#/components/schemas/Weights" },
          "training": {
            "type": "object",
            "nullable": true,
            "description": "null for a weights file saved without its training record.",
            "required": [ "epochs", "seconds", "final_loss", "history" ],
            "additionalProperties": false,
            "properties": {
              "epochs": { "type": "integer", "minimum": 0 },
              "seconds": { "type": "number", "minimum": 0 },
              "final_loss": { "type": "number" },
              "history": { "type": "array", "items": { "$ref": "#/components/schemas/EpochRecord" } }
            }
          },
          "metrics": { "$ref": "#/components/schemas/Evaluation" },
          "blas": {
            "type": "object",
            "required": [ "core", "threads" ],
            "additionalProperties": false,
            "properties": {
              "core": { "type": "string", "example": "SkylakeX" },
              "threads": { "type": "integer", "minimum": 1 }
            }
          },
          "version": { "type": "string" }
        }
      },
      "ReloadResult": {
        "type": "object",
        "required": [ "status", "weights", "gallery_r1" ],
        "additionalProperties": false,
        "properties": {
          "status": { "type": "string", "enum": [ "reloaded" ] },
          "weights": { "$ref": "#/components/schemas/Weights" },
          "gallery_r1": { "type": "number", "minimum": 0, "maximum": 1, "description": "The self-test figure of the new weights: image-to-text R@1 of the 243 canonical images." }
        }
      }
    }
  }
}
"""#
}
