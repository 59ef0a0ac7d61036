# One image for every keypool service; SERVICE picks which one runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY libs libs
COPY apps apps
COPY tools tools
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production TS_NODE_BASEURL=/app/dist TS_NODE_PROJECT=/app/tsconfig.base.json
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/tsconfig.base.json ./
USER node
ARG SERVICE=pool-service
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node -r tsconfig-paths/register dist/apps/${SERVICE}/src/main.js"]
