# The modstream image for the docker-compose example (build context: the repository root): the
# worker (`modstream run`, the default command) and the review API and UI (`modstream serve`).

# The UI is built with vite, a dev dependency, in a stage of its own.
FROM node:20-bookworm-slim AS ui
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY ui ./ui
# The UI shares the domain's constants (grades, states, types) with the server.
COPY src/domain.ts ./src/domain.ts
RUN npx vite build ui --logLevel warn

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: npm's `prepare` would build the UI, which needs the dev dependencies; the
# stage above built it.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY pipelines ./pipelines
COPY models ./models
COPY tsconfig.json ./
COPY --from=ui /app/ui/dist ./ui/dist
ENV NODE_ENV=production
# 9464: GET /metrics (worker and API); 8080: the review API and UI.
EXPOSE 9464 8080
CMD ["node", "bin/modstream.js", "run"]
