# The modstream worker image for the docker-compose example (build context: the repository root).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY pipelines ./pipelines
COPY models ./models
COPY tsconfig.json ./
ENV NODE_ENV=production
EXPOSE 9464
CMD ["node", "bin/modstream.js", "run"]
