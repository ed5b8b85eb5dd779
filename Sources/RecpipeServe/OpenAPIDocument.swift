/// The OpenAPI description of `recpipe serve`, served at `/openapi.yaml`. The route tests check
/// that every route the router has is described here and that the answers have the documented
/// fields.
enum OpenAPIDocument {
    static let text = #"""
        openapi: 3.0.3
        info:
          title: recpipe serve
          version: "1"
          description: >
            Recommendations and profiles of a recpipe pipeline's last run, updated by each new event
            before the request returns. Writes need `Authorization: Bearer <token>` when the server
            has a token (always when it is bound to a non-loopback address).
        paths:
          /healthz:
            get:
              summary: Liveness
              responses:
                "200":
                  description: The server is up
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status]
                        properties:
                          status: { type: string, enum: [ok] }
          /metrics:
            get:
              summary: Prometheus metrics (text exposition format)
              responses:
                "200":
                  description: Metrics
                  content:
                    text/plain:
                      schema: { type: string }
          /openapi.yaml:
            get:
              summary: This document
              responses:
                "200":
                  description: The OpenAPI document
                  content:
                    application/yaml:
                      schema: { type: string }
          /v1/status:
            get:
              summary: The loaded run, rules files and their state, counts
              responses:
                "200":
                  description: Status
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Status" }
          /v1/users/{id}/recommendations:
            get:
              summary: A user's ranked list (the batch's rank plan, current rules and events)
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
                - { name: n, in: query, required: false, schema: { type: integer, minimum: 1, maximum: 10000 } }
                - { name: explain, in: query, required: false, schema: { type: boolean } }
              responses:
                "200":
                  description: The list
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Recommendations" }
                "400": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "500": { $ref: "#/components/responses/Error" }
          /v1/users/{id}/profile:
            get:
              summary: A user's features, RFM scores, segment and tags
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "200":
                  description: The profile
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Profile" }
                "404": { $ref: "#/components/responses/Error" }
          /v1/items/{id}/similar:
            get:
              summary: Items closest to an item (cosine of the ALS item factors)
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
                - { name: n, in: query, required: false, schema: { type: integer, minimum: 1, maximum: 10000 } }
              responses:
                "200":
                  description: Similar items
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Similar" }
                "400": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
          /v1/events:
            post:
              summary: Add events (logged durably, then applied to profiles, tags, factors and lists)
              description: >
                A JSON array of event objects, or JSON Lines (one object a line), with the keys of
                the pipeline's events ingest schema (for the demo shop: user_id, item_id, event,
                timestamp "YYYY-MM-DD HH:MM:SS", quantity, price). All events of a request are
                accepted, or none (400 lists every problem).
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: array
                      items: { type: object, additionalProperties: true }
                  application/x-ndjson:
                    schema: { type: string }
              responses:
                "200":
                  description: The events are on disk and applied
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/EventsAccepted" }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "413": { $ref: "#/components/responses/Error" }
                "500": { $ref: "#/components/responses/Error" }
          /v1/rules/reload:
            post:
              summary: Read the rules files again; a broken file keeps the old rules
              responses:
                "200":
                  description: Every file loaded
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Reload" }
                "401": { $ref: "#/components/responses/Error" }
                "422":
                  description: A file did not load (its error, file:line, is in `files`)
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Reload" }
        components:
          responses:
            Error:
              description: The request cannot be answered; `error` says why
              content:
                application/json:
                  schema: { $ref: "#/components/schemas/Error" }
          schemas:
            Error:
              type: object
              required: [error, status]
              properties:
                error: { type: string }
                status: { type: integer }
            Recommendations:
              type: object
              required: [user, as_of, source, online_events, rules_generation, fallback, items]
              properties:
                user: { type: string }
                as_of: { type: string }
                source: { type: string, enum: [batch, online] }
                online_events: { type: integer }
                rules_generation: { type: integer }
                fallback: { type: boolean }
                items:
                  type: array
                  items:
                    type: object
                    required: [rank, item, score]
                    properties:
                      rank: { type: integer }
                      item: { type: string }
                      score: { type: number }
                      provenance: { type: string }
            Profile:
              type: object
              required: [user, source, online_events, features, tags]
              properties:
                user: { type: string }
                source: { type: string, enum: [batch, online] }
                online_events: { type: integer }
                features: { type: object, additionalProperties: true }
                tags: { type: array, items: { type: string } }
            Similar:
              type: object
              required: [item, basis, items]
              properties:
                item: { type: string }
                basis: { type: string }
                items:
                  type: array
                  items:
                    type: object
                    required: [item, score]
                    properties:
                      item: { type: string }
                      score: { type: number }
            EventsAccepted:
              type: object
              required: [accepted, logged, users, warnings]
              properties:
                accepted: { type: integer }
                logged: { type: boolean }
                users:
                  type: array
                  items:
                    type: object
                    required: [user, events, new, tags, top]
                    properties:
                      user: { type: string }
                      events: { type: integer }
                      new: { type: boolean }
                      tags: { type: array, items: { type: string } }
                      top: { type: array, items: { type: string } }
                warnings: { type: array, items: { type: string } }
            RuleFile:
              type: object
              required: [file, kind, state, error, loaded_at]
              properties:
                file: { type: string }
                kind: { type: string }
                state: { type: string, enum: [ok, error] }
                error: { type: string, nullable: true }
                loaded_at: { type: string }
            Reload:
              type: object
              required: [rules_generation, files]
              properties:
                rules_generation: { type: integer }
                files: { type: array, items: { $ref: "#/components/schemas/RuleFile" } }
            Status:
              type: object
              required: [pipeline, file, rank_stage, loaded_run, as_of, started_at, counts, last_rule_error, rules_generation, rules, event_log]
              properties:
                pipeline: { type: string }
                file: { type: string }
                rank_stage: { type: string }
                loaded_run: { type: string }
                as_of: { type: string }
                started_at: { type: string }
                counts: { type: object, additionalProperties: { type: integer } }
                last_rule_error: { type: string, nullable: true }
                rules_generation: { type: integer }
                rules: { type: array, items: { $ref: "#/components/schemas/RuleFile" } }
                event_log:
                  type: object
                  nullable: true
                  properties:
                    path: { type: string }
                    bytes: { type: integer }
                    lines_since_start: { type: integer }
                    fsyncs_since_start: { type: integer }
        """#
}
